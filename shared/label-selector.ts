import { isLabelValue } from './metadata-map.ts'

/** Result of parsing `--configmap-labels`. */
export type LabelSelectorResult =
  | { ok: true; labels: Readonly<Record<string, string>> }
  | { ok: false; message: string }

/** The labels that mark a sidecar ConfigMap unless `--configmap-labels` says otherwise. */
export const DEFAULT_CONFIGMAP_LABELS = 'app=k8s-sidecar-injector'

// Label syntax from the Kubernetes docs ("Labels and Selectors": syntax and character set).
const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/
const PREFIX = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

/** Parses tumblr's `key=value[,k2=v2]` equality selector; every pair must hold (AND). */
export function parseLabelSelector(text: string): LabelSelectorResult {
  const labels: Record<string, string> = {}
  const pairs = text.split(',').map((pair) => pair.trim())
  if (text.trim() === '') return { ok: false, message: 'empty label selector (use key=value)' }
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) return { ok: false, message: `"${pair}" is not key=value` }
    const key = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const keyProblem = checkKey(key)
    if (keyProblem !== undefined) return { ok: false, message: keyProblem }
    if (!isLabelValue(value)) {
      return { ok: false, message: `label value "${value}" of "${key}" is not a valid label value` }
    }
    if (Object.hasOwn(labels, key) && labels[key] !== value) {
      return { ok: false, message: `label "${key}" is given twice with different values` }
    }
    setOwn(labels, key, value)
  }
  return { ok: true, labels }
}

/**
 * Merges repeated `--configmap-labels` into one selector, as tumblr's injector did: every pair
 * of every flag must hold. One key given two different values is refused, not last-wins.
 */
export function mergeLabelSelectors(texts: readonly string[]): LabelSelectorResult {
  const labels: Record<string, string> = {}
  for (const text of texts) {
    const parsed = parseLabelSelector(text)
    if (!parsed.ok) return parsed
    for (const [key, value] of Object.entries(parsed.labels)) {
      if (Object.hasOwn(labels, key) && labels[key] !== value) {
        return { ok: false, message: `label "${key}" is given twice with different values` }
      }
      setOwn(labels, key, value)
    }
  }
  if (texts.length === 0) return { ok: false, message: 'empty label selector (use key=value)' }
  return { ok: true, labels }
}

/** Formats labels as the `labelSelector` query parameter: `k=v,k2=v2`, keys sorted. */
export function formatLabelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',')
}

// An own data property whatever the key: `in` and plain assignment would also see Object.prototype.
function setOwn(labels: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(labels, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

function checkKey(key: string): string | undefined {
  const slash = key.indexOf('/')
  const prefix = slash === -1 ? undefined : key.slice(0, slash)
  const name = slash === -1 ? key : key.slice(slash + 1)
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) {
    return `label key prefix "${prefix}" is not a DNS subdomain`
  }
  if (!NAME.test(name)) return `label key "${key}" is not a valid label name`
  return undefined
}
