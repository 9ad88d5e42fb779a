import { checkClusterValues } from './cluster-render.ts'
import {
  checkContainers,
  checkEnv,
  checkForbiddenKeys,
  checkObjectList,
  checkVolumeMounts,
  checkVolumes,
  FORBIDDEN_KEYS,
  type IssueSink,
} from './config-check.ts'
import { isDnsSubdomain } from './dns-name.ts'
import { findHostAccess } from './host-access.ts'
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts'
import { suggestKey } from './key-suggestion.ts'
import { checkKubernetesFields } from './kubernetes-fields.ts'
import { checkMetadataMap } from './metadata-map.ts'
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.ts'
import { checkSidecarModes } from './sidecar-mode.ts'
import { formatSidecarRef, parseSidecarRef } from './sidecar-ref.ts'
import { coerceStringFields } from './string-fields.ts'
import type { ConfigIssue, HostAccessFinding, SidecarConfig, SidecarRef } from './types.ts'
import { readYamlDocument } from './yaml-document.ts'

export { formatConfigIssue } from './config-check.ts'
export type { ParseLimits } from './parse-limits.ts'
export { DEFAULT_PARSE_LIMITS } from './parse-limits.ts'

/**
 * A parsed config with its host access and notes (findings that do not refuse it, such as a
 * number read as a string), or the issues that make it unusable.
 */
export type ConfigParseResult =
  | {
      ok: true
      config: SidecarConfig
      hostAccess: readonly HostAccessFinding[]
      notes: readonly ConfigIssue[]
    }
  | { ok: false; ref?: string; issues: readonly ConfigIssue[] }

/** Top-level fields: tumblr's, `version` (as a separate key), and pod metadata to add. */
const FIELDS = [
  'name',
  'version',
  'inherits',
  'containers',
  'initContainers',
  'volumes',
  'volumeMounts',
  'env',
  'hostAliases',
  'hostNetwork',
  'hostPID',
  'serviceAccountName',
  'imagePullSecrets',
  'annotations',
  'labels',
] as const
const FIELD_SET: ReadonlySet<string> = new Set(FIELDS)

/** Parses one sidecar config from YAML or JSON text, within `limits`, and validates it. */
export function parseSidecarConfig(text: string, limits?: Partial<ParseLimits>): ConfigParseResult {
  const read = readYamlDocument(text, { ...DEFAULT_PARSE_LIMITS, ...limits })
  if (!read.ok) return { ok: false, issues: read.issues }
  return validateSidecarConfig(read.value)
}

/** Validates an already decoded config (e.g. JSON from storage) exactly as `parseSidecarConfig` does. */
export function validateSidecarConfig(input: JsonValue): ConfigParseResult {
  if (!isJsonObject(input)) {
    return { ok: false, issues: [{ path: '', message: 'a config must be a map of fields' }] }
  }
  const issues: ConfigIssue[] = []
  const notes: ConfigIssue[] = []
  const reported = new Set<string>()
  // One issue per path: the first check to speak about a field has the most specific message.
  const report: IssueSink = (path, message) => {
    if (reported.has(path)) return
    reported.add(path)
    issues.push({ path, message })
  }
  const note: IssueSink = (path, message) => {
    notes.push({ path, message })
  }
  const value = coerceStringFields(input, note)
  checkForbiddenKeys(value, '', report)
  for (const key of Object.keys(value)) {
    if (FIELD_SET.has(key) || FORBIDDEN_KEYS.has(key)) continue
    const suggestion = suggestKey(key, FIELDS)
    report(
      key,
      suggestion === undefined
        ? `unknown field; valid fields are ${FIELDS.join(', ')}`
        : `unknown field; did you mean ${suggestion}?`,
    )
  }
  const ref = readRef(value, report, note)
  const inherits = readInherits(value, ref, report, note)
  const names = new Map<string, string>()
  const containers = checkContainers(value.containers, 'containers', names, report)
  const initContainers = checkContainers(value.initContainers, 'initContainers', names, report)
  const config: SidecarConfig = {
    name: ref?.name ?? '',
    version: ref?.version ?? '',
    ...(inherits === undefined ? {} : { inherits }),
    containers,
    initContainers,
    volumes: checkVolumes(value.volumes, 'volumes', report),
    volumeMounts: checkVolumeMounts(value.volumeMounts, 'volumeMounts', report),
    env: checkEnv(value.env, 'env', report),
    hostAliases: checkHostAliases(value.hostAliases, report),
    imagePullSecrets: checkPullSecrets(value.imagePullSecrets, report),
    ...optionalBoolean(value, 'hostNetwork', report),
    ...optionalBoolean(value, 'hostPID', report),
    ...readServiceAccount(value, report),
    annotations: checkMetadataMap(value.annotations, 'annotations', false, report),
    labels: checkMetadataMap(value.labels, 'labels', true, report),
  }
  checkKubernetesFields(config, report)
  checkSidecarModes(config, report)
  checkClusterValues(config, report)
  if (issues.length > 0 || ref === undefined) {
    const shown = capIssues(issues)
    return ref === undefined
      ? { ok: false, issues: shown }
      : { ok: false, ref: formatSidecarRef(ref), issues: shown }
  }
  if (inherits === undefined) noteForeignVolumes(config, note)
  return { ok: true, config, hostAccess: findHostAccess(config), notes: capIssues(notes) }
}

/**
 * Notes mounts of volumes the config does not define: they must come from the pod, and a pod
 * without them is admitted without injection. With `inherits`, the parent may define them.
 */
function noteForeignVolumes(config: SidecarConfig, note: IssueSink): void {
  const volumes = new Set(config.volumes.map((volume) => volume.name))
  const check = (mounts: JsonValue | undefined, path: string): void => {
    if (!Array.isArray(mounts)) return
    mounts.forEach((mount, i) => {
      const name = isJsonObject(mount) ? mount.name : undefined
      if (typeof name !== 'string' || volumes.has(name)) return
      note(
        `${path}[${i}].name`,
        `volume "${name}" is not defined in this config; a pod without it gets no injection`,
      )
    })
  }
  check([...config.volumeMounts], 'volumeMounts')
  for (const field of ['containers', 'initContainers'] as const) {
    config[field].forEach((container, i) => {
      check(container.volumeMounts, `${field}[${i}].volumeMounts`)
    })
  }
}

/** Issues reported per config at most; a broken document can yield thousands, and people read these. */
export const MAX_ISSUES = 50

function capIssues(issues: ConfigIssue[]): ConfigIssue[] {
  if (issues.length <= MAX_ISSUES) return issues
  const more = { path: '', message: `${issues.length - MAX_ISSUES} more issues not shown` }
  return [...issues.slice(0, MAX_ISSUES), more]
}

function readRef(value: JsonObject, report: IssueSink, note: IssueSink): SidecarRef | undefined {
  const name = value.name
  if (name === undefined || name === null || name === '') {
    report('name', 'required')
    return undefined
  }
  const named = refField(name, 'name', 'must be a string', report, note)
  if (named === undefined || typeof name !== 'string') return undefined
  const version = value.version
  if (version === undefined || version === null) return named
  if (typeof version !== 'string') {
    report('version', 'must be a string (quote numbers: "1.0")')
    return undefined
  }
  const versioned = parseSidecarRef(`${named.name}:${version}`)
  if (!versioned.ok) {
    report('version', versioned.message)
    return undefined
  }
  if (name.includes(':') && versioned.ref.version !== named.version) {
    report('version', `"${version}" contradicts the version in name "${name}"`)
    return undefined
  }
  return versioned.ref
}

function readInherits(
  value: JsonObject,
  ref: SidecarRef | undefined,
  report: IssueSink,
  note: IssueSink,
): SidecarRef | undefined {
  const inherits = value.inherits
  if (inherits === undefined || inherits === null || inherits === '') return undefined
  const parent = refField(inherits, 'inherits', 'must be a string: name[:version]', report, note)
  if (
    parent !== undefined &&
    ref !== undefined &&
    formatSidecarRef(ref) === formatSidecarRef(parent)
  ) {
    report('inherits', `a config cannot inherit itself (${formatSidecarRef(ref)})`)
  }
  return parent
}

/** A `name[:version]` string field, parsed; reports the field when it is not one. */
function refField(
  text: JsonValue | undefined,
  field: string,
  notString: string,
  report: IssueSink,
  note: IssueSink,
): SidecarRef | undefined {
  if (typeof text !== 'string') {
    report(field, notString)
    return undefined
  }
  const parsed = parseSidecarRef(text)
  if (!parsed.ok) {
    report(field, parsed.message)
    return undefined
  }
  if (text.trim().endsWith(':')) {
    note(field, `"${text}" read as ${formatSidecarRef(parsed.ref)}, as tumblr did`)
  }
  return parsed.ref
}

/** Host aliases need an IP; `hostnames` may be missing, empty or null, as tumblr allowed. */
function checkHostAliases(value: JsonValue | undefined, report: IssueSink): JsonObject[] {
  const aliases = checkObjectList(value, 'hostAliases', report)
  aliases.forEach((alias, i) => {
    if (alias.ip === undefined || alias.ip === null || alias.ip === '') {
      report(`hostAliases[${i}].ip`, 'required')
    }
  })
  return aliases
}

function checkPullSecrets(value: JsonValue | undefined, report: IssueSink): JsonObject[] {
  const secrets = checkObjectList(value, 'imagePullSecrets', report)
  const seen = new Set<string>()
  secrets.forEach((secret, i) => {
    const at = `imagePullSecrets[${i}].name`
    const name = secret.name
    if (name === undefined || name === null || name === '') report(at, 'required')
    else if (typeof name !== 'string') report(at, 'must be a string')
    else if (seen.has(name)) report(at, `duplicate imagePullSecret "${name}"`)
    else seen.add(name)
  })
  return secrets
}

function optionalBoolean(
  value: JsonObject,
  field: 'hostNetwork' | 'hostPID',
  report: IssueSink,
): { hostNetwork?: boolean } | { hostPID?: boolean } {
  const flag = value[field]
  if (flag === undefined || flag === null) return {}
  if (typeof flag !== 'boolean') {
    report(field, 'must be true or false')
    return {}
  }
  return { [field]: flag }
}

function readServiceAccount(value: JsonObject, report: IssueSink): { serviceAccountName?: string } {
  const name = value.serviceAccountName
  if (name === undefined || name === null || name === '') return {}
  if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    report('serviceAccountName', 'must be a DNS subdomain name (a-z, 0-9, "-", ".")')
    return {}
  }
  return { serviceAccountName: name }
}
