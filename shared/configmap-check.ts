import type { AdmissionRequest, ValidationVerdict } from './admission-review.ts'
import { type ConfigSetOptions, checkConfigSet } from './config-set.ts'
import type { ConfigSource } from './ingest-api.ts'
import { isJsonObject, type JsonObject, type JsonValue, jsonEqual, ownMember } from './json.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { ConfigLookup, SidecarConfig } from './types.ts'

/** A refusal lists at most this many problems; `sidecar-injector validate` prints them all. */
export const MAX_LISTED_PROBLEMS = 20

/** A valid config of the ConfigMap, and the key it came from. */
export interface CheckedConfig {
  readonly ref: string
  readonly key: string
  readonly config: SidecarConfig
}

/** What the validating webhook makes of one request, before looking at the `shared` scope. */
export type ConfigMapCheck =
  /** Nothing to check (a DELETE, another kind): allowed. */
  | { readonly kind: 'pass'; readonly detail: string }
  /** Refused: the verdict to send; `label` is `namespace/name` when the request names one. */
  | {
      readonly kind: 'refuse'
      readonly label: string
      readonly verdict: ValidationVerdict
      readonly problems: number
    }
  /** Every config is valid; the `shared` scope may still hold some of the same name. */
  | { readonly kind: 'valid'; readonly label: string; readonly configs: readonly CheckedConfig[] }

/**
 * Checks the ConfigMap of a CREATE or UPDATE review with the rule the Worker applies at ingest
 * (shared/config-set.ts): each data key is one config, and each problem reads as
 * `sidecar-injector validate` prints it, `namespace/name:key: path: message`. Other operations
 * and kinds pass: a ConfigMap's deletion is never blocked.
 */
export function checkConfigMapReview(
  request: AdmissionRequest,
  options: ConfigSetOptions,
): ConfigMapCheck {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return { kind: 'pass', detail: `operation ${request.operation} is not checked` }
  }
  const { group, version, kind } = request.kind
  if (group !== '' || version !== 'v1' || kind !== 'ConfigMap') {
    return { kind: 'pass', detail: `object is ${kind}, not a v1 ConfigMap` }
  }
  const object = request.object
  if (object === undefined) return badRequest('', 'request.object: a ConfigMap is required')
  const metadata = objectAt(object, 'metadata')
  const namespace = request.namespace ?? stringAt(metadata, 'namespace') ?? 'default'
  const name =
    request.name ??
    stringAt(metadata, 'name') ??
    `${stringAt(metadata, 'generateName') ?? ''}(generated)`
  const label = `${namespace}/${name}`
  const data = ownMember(object, 'data') ?? {}
  if (!isJsonObject(data)) return badRequest(label, `ConfigMap ${label}: data must be a map`)
  const entries: { key: string; text: string; source: ConfigSource }[] = []
  const lines: string[] = []
  for (const [key, text] of Object.entries(data)) {
    if (typeof text !== 'string') {
      lines.push(`${label}:${key}: value must be a string holding one config`)
      continue
    }
    entries.push({ key, text, source: { kind: 'ConfigMap', namespace, name, key } })
  }
  const configs: CheckedConfig[] = []
  for (const { entry, verdict } of checkConfigSet(entries, options)) {
    const where = `${label}:${entry.key}`
    if (verdict.ok) configs.push({ ref: verdict.ref, key: entry.key, config: verdict.config })
    else
      for (const i of verdict.issues)
        lines.push(`${where}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`)
  }
  if (lines.length === 0) return { kind: 'valid', label, configs }
  return {
    kind: 'refuse',
    label,
    problems: lines.length,
    verdict: { allowed: false, code: 422, message: describeProblems(lines), warnings: [] },
  }
}

/**
 * Warnings for configs that a config of the same `name:version` in `shared` already serves: the
 * cluster's own copy wins for its pods. An identical copy changes nothing and is not mentioned.
 */
export function findShadowing(
  cluster: string,
  label: string,
  configs: readonly CheckedConfig[],
  shared: ConfigLookup,
): string[] {
  const warnings: string[] = []
  for (const { ref, key, config } of configs) {
    const other = shared({ name: config.name, version: config.version })
    if (other === undefined || sameConfig(other, config)) continue
    warnings.push(
      `config "${ref}" (${label}:${key}) shadows the shared config "${formatSidecarRef(other)}": pods of cluster ${cluster} get this one`,
    )
  }
  return warnings
}

function describeProblems(lines: readonly string[]): string {
  const count = `${lines.length} problem${lines.length === 1 ? '' : 's'}`
  const listed = lines.slice(0, MAX_LISTED_PROBLEMS)
  const more =
    lines.length > listed.length
      ? [`... and ${lines.length - listed.length} more (sidecar-injector validate lists them all)`]
      : []
  return [`invalid sidecar config (${count}):`, ...listed, ...more].join('\n')
}

function badRequest(label: string, message: string): ConfigMapCheck {
  return {
    kind: 'refuse',
    label,
    problems: 1,
    verdict: { allowed: false, code: 400, message, warnings: [] },
  }
}

// A config is plain JSON data once parsed, whether read from text or from storage.
function sameConfig(a: SidecarConfig, b: SidecarConfig): boolean {
  return jsonEqual(a as unknown as JsonValue, b as unknown as JsonValue)
}

function objectAt(object: JsonObject, key: string): JsonObject | undefined {
  const value = ownMember(object, key)
  return isJsonObject(value) ? value : undefined
}

function stringAt(object: JsonObject | undefined, key: string): string | undefined {
  const value = object === undefined ? undefined : ownMember(object, key)
  return typeof value === 'string' && value !== '' ? value : undefined
}
