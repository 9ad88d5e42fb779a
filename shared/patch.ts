import {
  formatInjectedAnnotation,
  type InjectedConfig,
  injectedAnnotationKey,
} from './injected-annotation.ts'
import { combineConfigs, type Injection, readPodContainers } from './injection.ts'
import { isJsonObject, type JsonObject, ownMember } from './json.ts'
import {
  addAliases,
  addKeys,
  addNamed,
  appendAll,
  escapePointerToken,
  MOUNT_KEYS,
  objectAt,
  withShared,
} from './patch-ops.ts'
import { patchServiceAccount } from './service-account.ts'
import type { ConfigLookup, InjectionSettings, PatchOp, SidecarConfig } from './types.ts'

export { SERVICE_ACCOUNT_MOUNT_PATH } from './service-account.ts'

/** A JSON Patch for one pod and what went into it. */
export interface PatchResult {
  /** Operations in order; empty when there is nothing to change. */
  readonly patch: readonly PatchOp[]
  /** Canonical `name:version` of each config injected, in order. */
  readonly applied: readonly string[]
  /** One sentence per config left out because a container name is taken in the pod. */
  readonly clashes: readonly string[]
  /** Contradictions between the configs; when present, `patch` and `applied` are empty. */
  readonly conflicts: readonly string[]
}

/**
 * The JSON Patch injecting `configs` (already resolved) into `pod`, in tumblr's semantics with
 * its bugs fixed. It applies cleanly to `pod`, and building again on the result yields nothing.
 * With `hashOf`, the pod is stamped with what it got (`{ns}/injected: logger:v1@0a1b2c3d`).
 */
export function buildPatch(
  pod: JsonObject,
  configs: readonly SidecarConfig[],
  settings: InjectionSettings,
  hashOf?: ConfigLookup['hashOf'],
): PatchResult {
  const spec = objectAt(pod, 'spec')
  const injection = combineConfigs(configs, readPodContainers(spec ?? {}))
  const { applied, clashes, conflicts } = injection
  if (conflicts.length > 0) return { patch: [], applied: [], clashes, conflicts }
  if (applied.length === 0) return { patch: [], applied, clashes, conflicts }
  const ops: PatchOp[] = []
  if (spec === undefined) ops.push({ op: 'add', path: '/spec', value: {} })
  patchSpec(ops, spec ?? {}, injection)
  const stamp = stampOf(applied, hashOf)
  patchMetadata(ops, pod, injection, settings.annotationNamespace, stamp)
  return { patch: ops, applied, clashes, conflicts }
}

function patchSpec(ops: PatchOp[], spec: JsonObject, injection: Injection): void {
  const removedMounts = patchServiceAccount(ops, spec, injection.serviceAccountName)
  for (const field of ['containers', 'initContainers']) {
    const list = ownMember(spec, field)
    if (!Array.isArray(list)) continue
    list.forEach((container, i) => {
      if (!isJsonObject(container)) return
      const path = `/spec/${field}/${i}`
      addNamed(ops, `${path}/env`, ownMember(container, 'env'), injection.env)
      const mounts = removedMounts.get(container) ?? ownMember(container, 'volumeMounts')
      addNamed(ops, `${path}/volumeMounts`, mounts, injection.volumeMounts, MOUNT_KEYS)
    })
  }
  const complete = (container: JsonObject) => withShared(container, injection)
  const natives = injection.nativeSidecars.map(complete)
  const inits = injection.initContainers.map(complete)
  const podInits = ownMember(spec, 'initContainers')
  if (Array.isArray(podInits)) {
    // Native sidecars start before the pod's own init containers, so those can use them.
    natives.forEach((container, k) => {
      ops.push({ op: 'add', path: `/spec/initContainers/${k}`, value: container })
    })
    appendAll(ops, '/spec/initContainers', podInits, inits)
  } else appendAll(ops, '/spec/initContainers', podInits, [...natives, ...inits])
  appendAll(
    ops,
    '/spec/containers',
    ownMember(spec, 'containers'),
    injection.containers.map(complete),
  )
  addNamed(ops, '/spec/volumes', ownMember(spec, 'volumes'), injection.volumes)
  addNamed(
    ops,
    '/spec/imagePullSecrets',
    ownMember(spec, 'imagePullSecrets'),
    injection.imagePullSecrets,
  )
  addAliases(ops, ownMember(spec, 'hostAliases'), injection.hostAliases)
  // `add` on an object member replaces it, so this is valid whether the field is there or not.
  if (injection.hostNetwork && ownMember(spec, 'hostNetwork') !== true) {
    ops.push({ op: 'add', path: '/spec/hostNetwork', value: true })
  }
  if (injection.hostPID && ownMember(spec, 'hostPID') !== true) {
    ops.push({ op: 'add', path: '/spec/hostPID', value: true })
  }
}
/** The stamp of the configs applied, when every one of their content hashes is known. */
function stampOf(applied: readonly string[], hashOf: ConfigLookup['hashOf']): string | undefined {
  if (hashOf === undefined) return undefined
  const stamped: InjectedConfig[] = []
  for (const config of applied) {
    const hash = hashOf(config)
    if (hash === undefined) return undefined
    stamped.push({ config, hash })
  }
  return formatInjectedAnnotation(stamped)
}

function patchMetadata(
  ops: PatchOp[],
  pod: JsonObject,
  injection: Injection,
  annotationNamespace: string,
  stamp: string | undefined,
): void {
  const statusKey = `${annotationNamespace}/status`
  const stampKey = injectedAnnotationKey(annotationNamespace)
  const metadata = objectAt(pod, 'metadata')
  if (metadata === undefined) ops.push({ op: 'add', path: '/metadata', value: {} })
  addKeys(ops, '/metadata/labels', objectAt(metadata ?? {}, 'labels'), injection.labels)
  const annotations = objectAt(metadata ?? {}, 'annotations')
  // The stamp is the injector's to write: a config's annotation of that name does not count.
  const extra = new Map(
    [...injection.annotations].filter(([key]) => key !== statusKey && key !== stampKey),
  )
  let created = addKeys(ops, '/metadata/annotations', annotations, extra)
  // The stamp replaces one the pod carries (copied from another pod's manifest, say).
  if (
    stamp !== undefined &&
    (annotations === undefined || ownMember(annotations, stampKey) !== stamp)
  ) {
    if (annotations === undefined && !created) {
      ops.push({ op: 'add', path: '/metadata/annotations', value: { [stampKey]: stamp } })
      created = true
    } else {
      const path = `/metadata/annotations/${escapePointerToken(stampKey)}`
      ops.push({ op: 'add', path, value: stamp })
    }
  }
  // The status annotation goes last, after everything it vouches for.
  const status = annotations === undefined ? undefined : ownMember(annotations, statusKey)
  if (typeof status === 'string' && status.toLowerCase() === 'injected') return
  if (annotations === undefined && !created) {
    ops.push({ op: 'add', path: '/metadata/annotations', value: { [statusKey]: 'injected' } })
  } else {
    ops.push({
      op: 'add',
      path: `/metadata/annotations/${escapePointerToken(statusKey)}`,
      value: 'injected',
    })
  }
}
