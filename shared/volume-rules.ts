import type { IssueSink } from './config-check.ts'
import { isDnsSubdomain } from './dns-name.ts'
import { isIpAddress } from './ip-address.ts'
import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import { checkOneOf, ENV_SOURCES, VOLUME_SOURCES } from './one-of.ts'

// Kubernetes' validation rules (pkg/apis/core/validation) for volumes, mounts, env and host
// aliases that the OpenAPI schema cannot express. Types are the schema's job: these rules skip
// a field of the wrong type.

const MAX_MODE = 0o777
const COMMON_SOURCES = ['emptyDir', 'configMap', 'secret', 'projected', 'persistentVolumeClaim']

/** A volume: exactly one source, and file modes within 0-0777. */
export function checkVolumeRules(volume: JsonObject, at: string, report: IssueSink): void {
  checkOneOf(volume, VOLUME_SOURCES, at, 'volume source', report, COMMON_SOURCES)
  checkModes(volume, at, report)
}

function checkModes(value: JsonValue | undefined, at: string, report: IssueSink): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkModes(item, `${at}[${i}]`, report)
    })
    return
  }
  if (!isJsonObject(value)) return
  for (const key of Object.keys(value)) {
    const item = value[key]
    const path = `${at}.${key}`
    if ((key === 'mode' || key === 'defaultMode') && typeof item === 'number') {
      if (!Number.isInteger(item) || item < 0 || item > MAX_MODE) {
        report(path, 'must be a file mode between 0 and 0777 (octal; 511 in decimal)')
      }
    } else checkModes(item, path, report)
  }
}

/**
 * A volumeMount: `subPath` and `subPathExpr` relative, without `..`, and not both; Bidirectional
 * propagation only in a privileged container; `recursiveReadOnly` as Kubernetes allows it.
 */
export function checkMountRules(
  mount: JsonObject,
  at: string,
  privileged: boolean,
  report: IssueSink,
): void {
  const subPath = ownMember(mount, 'subPath')
  const subPathExpr = ownMember(mount, 'subPathExpr')
  for (const [field, value] of [
    ['subPath', subPath],
    ['subPathExpr', subPathExpr],
  ] as const) {
    if (typeof value !== 'string' || value === '') continue
    const problem = descendingPathProblem(value)
    if (problem !== undefined) report(`${at}.${field}`, problem)
  }
  if (typeof subPath === 'string' && subPath !== '' && typeof subPathExpr === 'string') {
    if (subPathExpr !== '') report(`${at}.subPathExpr`, 'cannot be set together with subPath')
  }
  const propagation = ownMember(mount, 'mountPropagation')
  if (propagation === 'Bidirectional' && !privileged) {
    report(`${at}.mountPropagation`, 'Bidirectional needs a privileged container')
  }
  const recursive = ownMember(mount, 'recursiveReadOnly')
  if (typeof recursive === 'string' && recursive !== '') {
    if (!['Disabled', 'IfPossible', 'Enabled'].includes(recursive)) {
      report(`${at}.recursiveReadOnly`, 'must be one of Disabled, IfPossible, Enabled')
    } else if (recursive !== 'Disabled' && ownMember(mount, 'readOnly') !== true) {
      report(`${at}.recursiveReadOnly`, `${recursive} needs readOnly: true`)
    } else if (
      recursive === 'Enabled' &&
      propagation !== undefined &&
      propagation !== null &&
      propagation !== 'None'
    ) {
      report(`${at}.recursiveReadOnly`, 'Enabled needs mountPropagation None')
    }
  }
}

/** Why `path` is not a relative path that stays below its volume, if it is not. */
function descendingPathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('\\')) return 'must be a relative path'
  if (path.replaceAll('\\', '/').split('/').includes('..')) return 'must not contain ".."'
  return undefined
}

// Since Kubernetes 1.32 (RelaxedEnvironmentVariableValidation) any printable ASCII but "=".
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/

/** An env entry: a printable name, and at most one of `value` and `valueFrom`, one source each. */
export function checkEnvRules(entry: JsonObject, at: string, report: IssueSink): void {
  const name = ownMember(entry, 'name')
  if (typeof name === 'string' && name !== '' && !ENV_NAME.test(name)) {
    report(`${at}.name`, 'must be printable ASCII characters other than "="')
  }
  const valueFrom = ownMember(entry, 'valueFrom')
  if (valueFrom === undefined || valueFrom === null) return
  const value = ownMember(entry, 'value')
  if (typeof value === 'string' && value !== '') {
    report(`${at}.valueFrom`, 'cannot be set together with a non-empty value')
  }
  checkOneOf(valueFrom, ENV_SOURCES, `${at}.valueFrom`, 'source', report)
}

/** A host alias: an IP address, and DNS names (none at all is fine, as for tumblr). */
export function checkHostAliasRules(alias: JsonObject, at: string, report: IssueSink): void {
  const ip = ownMember(alias, 'ip')
  if (typeof ip === 'string' && ip !== '' && !isIpAddress(ip)) {
    report(`${at}.ip`, `"${ip}" must be an IPv4 or IPv6 address`)
  }
  const hostnames = ownMember(alias, 'hostnames')
  if (!Array.isArray(hostnames)) return
  hostnames.forEach((hostname, i) => {
    if (typeof hostname === 'string' && !isDnsSubdomain(hostname)) {
      report(`${at}.hostnames[${i}]`, `"${hostname}" must be a DNS name (a-z, 0-9, "-", ".")`)
    }
  })
}
