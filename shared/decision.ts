import type { AdmissionRequest } from './admission-review.ts'
import { findHostAccess } from './host-access.ts'
import { resolveSidecarConfig } from './inheritance.ts'
import { checkInjectionResult } from './injection-check.ts'
import { isJsonObject, type JsonObject, ownMember } from './json.ts'
import { buildPatch } from './patch.ts'
import { findBorrowing } from './privilege-borrowing.ts'
import { formatSidecarRef, parseSidecarRef } from './sidecar-ref.ts'
import type {
  ConfigLookup,
  Decision,
  InjectionSettings,
  SidecarConfig,
  SidecarRef,
  SkipReason,
} from './types.ts'

/** Configs one pod may request; each costs a lookup, and a pod asking for more is a mistake. */
export const MAX_REQUESTED_CONFIGS = 16

/** What to do before any config is read: skip, or look these configs up. */
export type AdmissionPlan =
  | { kind: 'skip'; reason: SkipReason; detail: string }
  | { kind: 'lookup'; refs: readonly SidecarRef[] }

/**
 * Decides from the request alone whether configs are needed; cheap, so a pod that asks for
 * nothing costs no storage read.
 */
export function planAdmission(
  request: AdmissionRequest,
  settings: InjectionSettings,
): AdmissionPlan {
  if (request.operation !== 'CREATE') {
    return skip('not_create', `operation ${request.operation} is not CREATE`)
  }
  const { group, version, kind } = request.kind
  if (group !== '' || version !== 'v1' || kind !== 'Pod') {
    return skip(
      'not_pod',
      `object is ${group === '' ? '' : `${group}/`}${version} ${kind}, not a v1 Pod`,
    )
  }
  const pod = request.object
  if (pod === undefined) return skip('invalid_request', 'request carries no pod object')
  // Pods made by controllers often lack metadata.namespace; the request always names it.
  const namespace = request.namespace ?? stringAt(objectAt(pod, 'metadata'), 'namespace') ?? ''
  if (settings.ignoredNamespaces.includes(namespace)) {
    return skip('ignored_namespace', `namespace "${namespace}" is ignored`)
  }
  const annotations = objectAt(objectAt(pod, 'metadata'), 'annotations')
  const status = stringAt(annotations, `${settings.annotationNamespace}/status`)
  if (status !== undefined && status.trim().toLowerCase() === 'injected') {
    return skip('already_injected', 'pod is already injected')
  }
  const requestKey = `${settings.annotationNamespace}/request`
  const wanted = stringAt(annotations, requestKey)
  if (wanted === undefined || wanted.trim() === '') {
    return skip('no_request', `pod has no ${requestKey} annotation`)
  }
  const parts = wanted.split(',')
  if (parts.length > MAX_REQUESTED_CONFIGS) {
    return skip(
      'invalid_request',
      `annotation ${requestKey} lists ${parts.length} configs; at most ${MAX_REQUESTED_CONFIGS} are allowed`,
    )
  }
  const refs: SidecarRef[] = []
  const seen = new Set<string>()
  for (const part of parts) {
    const parsed = parseSidecarRef(part)
    if (!parsed.ok) {
      return skip('invalid_request', `annotation ${requestKey}: ${parsed.message}`)
    }
    const key = formatSidecarRef(parsed.ref)
    if (seen.has(key)) continue
    seen.add(key)
    refs.push(parsed.ref)
  }
  return { kind: 'lookup', refs }
}

/**
 * The full decision: plan, resolve each config with its parents, and build one patch. A caller
 * that already planned (to know which configs to load) passes its plan instead of planning twice.
 */
export function decideAdmission(
  request: AdmissionRequest,
  settings: InjectionSettings,
  lookup: ConfigLookup,
  plan: AdmissionPlan = planAdmission(request, settings),
): Decision {
  if (plan.kind === 'skip') {
    // Only a malformed request is worth telling the user; the rest are ordinary.
    const warnings =
      plan.reason === 'invalid_request' ? [`sidecar injection skipped: ${plan.detail}`] : []
    return { kind: 'skip', reason: plan.reason, detail: plan.detail, warnings }
  }
  const missing = plan.refs.filter((ref) => lookup(ref) === undefined).map(formatSidecarRef)
  if (missing.length > 0) {
    const list = missing.map((name) => `"${name}"`).join(', ')
    const detail = `sidecar config ${list} not found`
    // Admit anyway: a missing config must not stop pods from launching (tumblr's policy too).
    return {
      kind: 'skip',
      reason: 'missing_config',
      detail,
      warnings: [`${detail}; pod admitted without injection`],
    }
  }
  const configs: SidecarConfig[] = []
  for (const ref of plan.refs) {
    const resolved = resolveSidecarConfig(ref, lookup)
    if (!resolved.ok) return configError(`config "${formatSidecarRef(ref)}": ${resolved.message}`)
    const access = findHostAccess(resolved.config)
    if (settings.allowHostAccess === false && access.length > 0) {
      const what = access.map((finding) => `${finding.path}: ${finding.detail}`).join(', ')
      return configError(
        `config "${formatSidecarRef(ref)}" asks for host access beyond Pod Security baseline (${what}), which is not allowed`,
      )
    }
    configs.push(resolved.config)
  }
  const pod: JsonObject = request.object ?? {}
  const result = buildPatch(pod, configs, settings, lookup.hashOf)
  if (result.conflicts.length > 0) {
    return {
      kind: 'skip',
      reason: 'conflict',
      detail: result.conflicts.join('; '),
      warnings: result.conflicts.map((c) => `sidecar injection skipped: ${c}`),
    }
  }
  if (result.applied.length === 0 && result.clashes.length > 0) {
    return {
      kind: 'skip',
      reason: 'name_clash',
      detail: result.clashes.join('; '),
      warnings: result.clashes,
    }
  }
  if (result.patch.length === 0) {
    return {
      kind: 'skip',
      reason: 'nothing_to_inject',
      detail: 'the pod already has everything',
      warnings: result.clashes,
    }
  }
  const applied = configs.filter((config) => result.applied.includes(formatSidecarRef(config)))
  if (settings.allowHostAccess === false) {
    const borrowing = findBorrowing(objectAt(pod, 'spec') ?? {}, applied)
    if (borrowing.length > 0) return configError(`${borrowing.join('; ')}, which is not allowed`)
  }
  // The injector must never be the reason a pod cannot be created: the API server treats a
  // patched pod it cannot accept as an error of its own, whatever the failurePolicy.
  const invalid = checkInjectionResult(pod, applied, result.patch)
  if (invalid !== undefined) {
    const detail = `the injected pod would be invalid: ${invalid}`
    return {
      kind: 'skip',
      reason: 'invalid_result',
      detail,
      warnings: [`sidecar injection skipped: ${detail}`],
    }
  }
  return { kind: 'inject', configs: result.applied, patch: result.patch, warnings: result.clashes }
}

function skip(reason: SkipReason, detail: string): AdmissionPlan {
  return { kind: 'skip', reason, detail }
}

function configError(detail: string): Decision {
  return {
    kind: 'skip',
    reason: 'config_error',
    detail,
    warnings: [`sidecar injection skipped: ${detail}`],
  }
}

function objectAt(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = object === undefined ? undefined : ownMember(object, key)
  return isJsonObject(value) ? value : undefined
}

function stringAt(object: JsonObject | undefined, key: string): string | undefined {
  const value = object === undefined ? undefined : ownMember(object, key)
  return typeof value === 'string' ? value : undefined
}
