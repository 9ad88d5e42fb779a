import type { IssueSink } from './config-check.ts'
import { isDnsSubdomain } from './dns-name.ts'
import { isJsonObject, type JsonValue } from './json.ts'

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

/** Whether `key` is a Kubernetes qualified name (`prefix/name`), as label and annotation keys must be. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/')
  const name = slash < 0 ? key : key.slice(slash + 1)
  if (slash >= 0 && !isDnsSubdomain(key.slice(0, slash))) return false
  return name.length <= 63 && NAME_PART.test(name)
}

/** Whether `text` is a label value: empty, or at most 63 of A-Z, a-z, 0-9, "-", "_", "." with alphanumeric ends. */
export function isLabelValue(text: string): boolean {
  return text === '' || (text.length <= 63 && NAME_PART.test(text))
}

/** Checks `labels` or `annotations`: string values under qualified keys (labels: label-shaped values). */
export function checkMetadataMap(
  value: JsonValue | undefined,
  path: string,
  labelValues: boolean,
  report: IssueSink,
): Record<string, string> {
  const result: Record<string, string> = {}
  if (value === undefined || value === null) return result
  if (!isJsonObject(value)) {
    report(path, 'must be a map of strings')
    return result
  }
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}.${key}`
    if (!isQualifiedName(key)) {
      report(at, 'key must be a qualified name ([prefix/]name, name at most 63 characters)')
    } else if (typeof item !== 'string') {
      report(at, 'must be a string')
    } else if (labelValues && !isLabelValue(item)) {
      report(at, 'label value must be at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."')
    } else {
      Object.defineProperty(result, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return result
}
