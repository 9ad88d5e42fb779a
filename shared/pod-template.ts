import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'

/** Where each supported workload keeps its pod template. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  'apps/v1/Deployment': ['spec', 'template'],
  'apps/v1/StatefulSet': ['spec', 'template'],
  'apps/v1/DaemonSet': ['spec', 'template'],
  'apps/v1/ReplicaSet': ['spec', 'template'],
  'batch/v1/Job': ['spec', 'template'],
  'batch/v1/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
}

/** A Pod as the API server would see it, and how to put a mutated copy back into its source. */
export type PodTemplateResult =
  | { readonly ok: true; readonly kind: string; readonly pod: JsonObject }
  | { readonly ok: false; readonly message: string }

/** The kinds `extractPod` accepts, for messages and help. */
export const POD_TEMPLATE_KINDS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]

/** Extracts the Pod of a v1 Pod, or the pod template of a workload as a Pod in its namespace. */
export function extractPod(object: JsonObject): PodTemplateResult {
  const apiVersion = ownMember(object, 'apiVersion')
  const kind = ownMember(object, 'kind')
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { ok: false, message: 'apiVersion and kind are required' }
  }
  if (apiVersion === 'v1' && kind === 'Pod') return { ok: true, kind, pod: object }
  const path = TEMPLATE_PATHS[`${apiVersion}/${kind}`]
  if (path === undefined) {
    return {
      ok: false,
      message: `${apiVersion} ${kind} is not supported; expected one of ${POD_TEMPLATE_KINDS.join(', ')}`,
    }
  }
  const template = valueAt(object, path)
  if (!isJsonObject(template) || !isJsonObject(ownMember(template, 'spec'))) {
    return { ok: false, message: `${kind} has no pod template at ${path.join('.')}.spec` }
  }
  const metadata = ownMember(object, 'metadata')
  const owner = isJsonObject(metadata) ? metadata : {}
  const templateMetadata = ownMember(template, 'metadata')
  const podMetadata: JsonObject = { ...(isJsonObject(templateMetadata) ? templateMetadata : {}) }
  // Pods created by controllers carry the workload's namespace and a generated name.
  const namespace = ownMember(owner, 'namespace')
  if (typeof namespace === 'string' && podMetadata.namespace === undefined)
    podMetadata.namespace = namespace
  const name = ownMember(owner, 'name')
  if (
    typeof name === 'string' &&
    podMetadata.name === undefined &&
    podMetadata.generateName === undefined
  ) {
    podMetadata.generateName = `${name}-`
  }
  const pod: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: podMetadata }
  pod.spec = ownMember(template, 'spec') ?? {}
  return { ok: true, kind, pod }
}

/** Returns a copy of `object` whose Pod (or pod template) is `pod`, the inverse of `extractPod`. */
export function replacePod(object: JsonObject, pod: JsonObject): JsonObject {
  if (ownMember(object, 'kind') === 'Pod') return pod
  const path =
    TEMPLATE_PATHS[
      `${String(ownMember(object, 'apiVersion'))}/${String(ownMember(object, 'kind'))}`
    ]
  if (path === undefined) return object
  const template = valueAt(object, path)
  const original = isJsonObject(template) ? ownMember(template, 'metadata') : undefined
  const originalMetadata = isJsonObject(original) ? original : {}
  const podMetadata = ownMember(pod, 'metadata')
  const metadata: JsonObject = { ...originalMetadata }
  if (isJsonObject(podMetadata)) {
    for (const [key, value] of Object.entries(podMetadata)) {
      // namespace and generateName were borrowed from the workload, not part of the template.
      if ((key === 'namespace' || key === 'generateName') && !Object.hasOwn(originalMetadata, key))
        continue
      metadata[key] = value
    }
  }
  const replacement: JsonObject = { ...(isJsonObject(template) ? template : {}), metadata }
  replacement.spec = ownMember(pod, 'spec') ?? {}
  return withValueAt(object, path, replacement)
}

function valueAt(object: JsonObject, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = object
  for (const key of path) current = isJsonObject(current) ? ownMember(current, key) : undefined
  return current
}

function withValueAt(object: JsonObject, path: readonly string[], value: JsonValue): JsonObject {
  const [head, ...rest] = path
  if (head === undefined) return object
  const child = ownMember(object, head)
  const next =
    rest.length === 0 ? value : withValueAt(isJsonObject(child) ? child : {}, rest, value)
  return { ...object, [head]: next }
}
