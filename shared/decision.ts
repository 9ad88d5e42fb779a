import type { AdmissionRequest } from './admission-review.ts'
import type { ClusterFacts } from './cluster-facts.ts'
import { renderForCluster } from './cluster-render.ts'
import { findHostAccess } from './host-access.ts'
import { resolveSidecarConfig } from './inheritance.ts'
import { checkInjectionResult } from './injection-check.ts'
import { isJsonObject, type JsonObject, ownMember } from './json.ts'
import { buildPatch } from './patch.ts'
import { findBorrowing } from './privilege-borrowing.ts'
import { MAX_REQUESTED_CONFIGS, parseRequestAnnotation } from './request-annotation.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type {
  ConfigLookup,
  Decision,
  InjectionSettings,
  SidecarConfig,
  SidecarRef,
  SkipReason,
} from './types.ts'

export { MAX_REQUESTED_CONFIGS }

/**
 * What to do before any config is read: skip, or look these configs up. A pod without a request
 * of its own is a `no_request` skip with `defaultFor`, its namespace, until the cluster's facts
 * say whether that namespace gives a default; `namespaceDefault` marks refs that came from one.
 */
export type AdmissionPlan =
  | { kind: 'skip'; reason: SkipReason; detail: string; defaultFor?: string }
  | { kind: 'lookup'; refs: readonly SidecarRef[]; namespaceDefault?: string }

/**
 * Decides from the request (and, when given, the cluster's namespace defaults) whether configs
 * are needed; cheap, so a pod that asks for nothing, or opts out, costs no storage read.
 */
export function planAdmission(
  request: AdmissionRequest,
  settings: InjectionSettings,
  cluster?: ClusterFacts,
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
    // The pod's own request wins; without one, its namespace's default applies unless it opts out.
    const optOut = stringAt(annotations, `${settings.annotationNamespace}/inject`)
    if (optOut !== undefined && optOut.trim().toLowerCase() === 'false') {
      return skip(
        'opted_out',
        `pod opts out of its namespace's default with ${settings.annotationNamespace}/inject: "false"`,
      )
    }
    const noRequest = `pod has no ${requestKey} annotation`
    if (cluster === undefined) {
      return { kind: 'skip', reason: 'no_request', detail: noRequest, defaultFor: namespace }
    }
    return planNamespaceDefault(namespace, cluster, noRequest)
  }
  const parsed = parseRequestAnnotation(wanted)
  if (!parsed.ok) return skip('invalid_request', `annotation ${requestKey}: ${parsed.message}`)
  return { kind: 'lookup', refs: parsed.refs }
}

/** The plan of a pod without a request of its own, from its namespace's default if any. */
function planNamespaceDefault(
  namespace: string,
  cluster: ClusterFacts,
  noRequest: string,
): AdmissionPlan {
  const defaults = cluster.namespaceDefaults
  const text = Object.hasOwn(defaults, namespace) ? defaults[namespace] : undefined
  if (text === undefined || text.trim() === '') return skip('no_request', noRequest)
  const parsed = parseRequestAnnotation(text)
  if (!parsed.ok) {
    return skip('invalid_request', `default request of namespace "${namespace}": ${parsed.message}`)
  }
  return { kind: 'lookup', refs: parsed.refs, namespaceDefault: namespace }
}

/**
 * The full decision: plan, resolve each config with its parents, render it for `cluster` (its
 * values and sidecar modes), and build one patch. A caller that already planned (to know which
 * configs to load) passes its plan instead of planning twice. `cluster` holds the facts of the
 * pod's cluster: without it, namespace defaults are unknown, `${cluster.…}` values make a
 * config_error and `sidecarMode: auto` is classic.
 */
export function decideAdmission(
  request: AdmissionRequest,
  settings: InjectionSettings,
  lookup: ConfigLookup,
  planned?: AdmissionPlan,
  cluster?: ClusterFacts,
): Decision {
  // A plan made before the cluster's facts were read learns its namespace default now.
  const plan =
    planned === undefined ||
    (planned.kind === 'skip' && planned.defaultFor !== undefined && cluster !== undefined)
      ? planAdmission(request, settings, cluster)
      : planned
  if (plan.kind === 'skip') {
    // Only a malformed request is worth telling the user; the rest are ordinary.
    const warnings =
      plan.reason === 'invalid_request' ? [`sidecar injection skipped: ${plan.detail}`] : []
    return { kind: 'skip', reason: plan.reason, detail: plan.detail, warnings }
  }
  // Explanations for preview --explain and the admission log: where the request came from, and
  // which mode each marked sidecar got.
  const notes: string[] = []
  if (plan.namespaceDefault !== undefined) {
    const list = plan.refs.map(formatSidecarRef).join(', ')
    notes.push(`request "${list}" from namespace default of "${plan.namespaceDefault}"`)
  }
  const decision = decideConfigs(request, settings, lookup, plan.refs, cluster, notes)
  return notes.length === 0 ? decision : { ...decision, notes }
}

function decideConfigs(
  request: AdmissionRequest,
  settings: InjectionSettings,
  lookup: ConfigLookup,
  refs: readonly SidecarRef[],
  cluster: ClusterFacts | undefined,
  notes: string[],
): Decision {
  const missing = refs.filter((ref) => lookup(ref) === undefined).map(formatSidecarRef)
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
  for (const ref of refs) {
    const resolved = resolveSidecarConfig(ref, lookup)
    if (!resolved.ok) return configError(`config "${formatSidecarRef(ref)}": ${resolved.message}`)
    const access = findHostAccess(resolved.config)
    if (settings.allowHostAccess === false && access.length > 0) {
      const what = access.map((finding) => `${finding.path}: ${finding.detail}`).join(', ')
      return configError(
        `config "${formatSidecarRef(ref)}" asks for host access beyond Pod Security baseline (${what}), which is not allowed`,
      )
    }
    // Per-cluster values and sidecar modes; a config that uses neither is passed on as is.
    const rendered = renderForCluster(resolved.config, cluster)
    if (!rendered.ok) return configError(`config "${formatSidecarRef(ref)}": ${rendered.message}`)
    notes.push(...rendered.notes)
    configs.push(rendered.config)
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
