import { isDnsLabel } from './dns-name.ts'
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts'
import { looksLikeSecretName } from './secret-literal.ts'
import type { ConfigIssue } from './types.ts'

/** Collects issues while the checks below walk one config. */
export type IssueSink = (path: string, message: string) => void

/** Keys that could reach an object's prototype if some consumer assigned them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
])

/** Reports `__proto__`, `constructor` and `prototype` keys anywhere, including own keys `JSON.parse` made. */
export function checkForbiddenKeys(value: JsonValue, path: string, report: IssueSink): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkForbiddenKeys(item, `${path}[${i}]`, report)
    })
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      const child = path === '' ? key : `${path}.${key}`
      if (FORBIDDEN_KEYS.has(key)) report(child, `key "${key}" is not allowed`)
      else checkForbiddenKeys(value[key] as JsonValue, child, report)
    }
  }
}

/** Checks a list field holds objects; returns them (empty when the field is absent or wrong). */
export function checkObjectList(
  value: JsonValue | undefined,
  path: string,
  report: IssueSink,
): JsonObject[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    report(path, 'must be a list')
    return []
  }
  const objects: JsonObject[] = []
  value.forEach((item, i) => {
    if (isJsonObject(item)) objects.push(item)
    else report(`${path}[${i}]`, 'must be an object')
  })
  return objects
}

/** Checks a required non-empty string field of `object`. */
export function checkRequiredString(
  object: JsonObject,
  field: string,
  path: string,
  report: IssueSink,
): string | undefined {
  const value = object[field]
  if (value === undefined || value === null || value === '') {
    report(`${path}.${field}`, 'required')
    return undefined
  }
  if (typeof value !== 'string') {
    report(`${path}.${field}`, 'must be a string')
    return undefined
  }
  return value
}

/**
 * Checks a list of objects keyed by a required string field (`key`), reporting a repeated key
 * as `duplicate <what> "<value>"`; `each` checks the rest of an entry. Returns the objects.
 */
function checkKeyedList(
  value: JsonValue | undefined,
  path: string,
  report: IssueSink,
  list: { readonly key: string; readonly what: string },
  each: (entry: JsonObject, at: string, key: string | undefined) => void,
): JsonObject[] {
  const entries = checkObjectList(value, path, report)
  const seen = new Set<string>()
  entries.forEach((entry, i) => {
    const at = `${path}[${i}]`
    const key = checkRequiredString(entry, list.key, at, report)
    each(entry, at, key)
    if (key === undefined) return
    if (seen.has(key)) report(`${at}.${list.key}`, `duplicate ${list.what} "${key}"`)
    seen.add(key)
  })
  return entries
}

/** Checks env entries: named, unique, and no credential written as a literal value. */
export function checkEnv(
  value: JsonValue | undefined,
  path: string,
  report: IssueSink,
): JsonObject[] {
  return checkKeyedList(
    value,
    path,
    report,
    { key: 'name', what: 'env name' },
    (entry, at, name) => {
      const literal = entry.value
      if (literal !== undefined && literal !== null && typeof literal !== 'string') {
        report(`${at}.value`, 'must be a string')
      } else if (
        typeof literal === 'string' &&
        literal !== '' &&
        name !== undefined &&
        looksLikeSecretName(name)
      ) {
        report(
          `${at}.value`,
          `"${name}" looks like a credential written in plain text; use valueFrom.secretKeyRef`,
        )
      }
    },
  )
}

/**
 * Checks volumeMounts entries: each names a volume and a mountPath. The config-level list is
 * added to every container and merged by volume name (tumblr's rule), so names are unique
 * there; inside one container Kubernetes keys mounts by mountPath, and one volume may be
 * mounted at several paths (`subPath`), so there the paths are unique.
 */
export function checkVolumeMounts(
  value: JsonValue | undefined,
  path: string,
  report: IssueSink,
  scope: 'config' | 'container' = 'config',
): JsonObject[] {
  const uniqueBy = scope === 'config' ? 'name' : 'mountPath'
  const other = uniqueBy === 'name' ? 'mountPath' : 'name'
  const paths = new Set<string>()
  return checkKeyedList(
    value,
    path,
    report,
    { key: uniqueBy, what: uniqueBy === 'name' ? 'volumeMount name' : 'mountPath' },
    (entry, at) => {
      const second = checkRequiredString(entry, other, at, report)
      // The config-level list goes into every container, so its paths must be unique too.
      if (scope === 'config' && second !== undefined) {
        if (paths.has(second)) report(`${at}.mountPath`, `duplicate mountPath "${second}"`)
        paths.add(second)
      }
    },
  )
}

/** Checks containers or initContainers; `names` collects names across both lists for uniqueness. */
export function checkContainers(
  value: JsonValue | undefined,
  path: string,
  names: Map<string, string>,
  report: IssueSink,
): JsonObject[] {
  const containers = checkObjectList(value, path, report)
  containers.forEach((container, i) => {
    const at = `${path}[${i}]`
    const name = checkRequiredString(container, 'name', at, report)
    if (name !== undefined) {
      const previous = names.get(name)
      if (!isDnsLabel(name)) {
        report(`${at}.name`, `"${name}" must be a DNS label (a-z, 0-9, "-", at most 63 characters)`)
      } else if (previous !== undefined) {
        report(`${at}.name`, `"${name}" is already used by ${previous}`)
      } else names.set(name, at)
    }
    checkRequiredString(container, 'image', at, report)
    checkEnv(container.env, `${at}.env`, report)
    checkVolumeMounts(container.volumeMounts, `${at}.volumeMounts`, report, 'container')
    const policy = container.restartPolicy
    if (policy !== undefined && typeof policy !== 'string') {
      report(`${at}.restartPolicy`, 'must be a string')
    }
  })
  return containers
}

/** Checks volumes: each named with a unique DNS label. */
export function checkVolumes(
  value: JsonValue | undefined,
  path: string,
  report: IssueSink,
): JsonObject[] {
  const volumes = checkObjectList(value, path, report)
  const seen = new Set<string>()
  volumes.forEach((volume, i) => {
    const at = `${path}[${i}]`
    const name = checkRequiredString(volume, 'name', at, report)
    if (name === undefined) return
    if (!isDnsLabel(name)) report(`${at}.name`, `"${name}" must be a DNS label`)
    else if (seen.has(name)) report(`${at}.name`, `duplicate volume name "${name}"`)
    seen.add(name)
  })
  return volumes
}

/** Formats an issue for people: `containers[1].name: required`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`
}
