import { createHash } from 'node:crypto'
import fastJsonPatch from 'fast-json-patch'
import type { AdmissionRequest } from '../../shared/admission-review.ts'
import { isJsonObject, type JsonObject, type JsonValue } from '../../shared/json.ts'
import { formatConfigIssue, parseSidecarConfig } from '../../shared/sidecar-config.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import type { ConfigLookup, PatchOp, SidecarConfig } from '../../shared/types.ts'

/** Parses a config that must be valid (YAML or JSON text). */
export function config(text: string): SidecarConfig {
  const result = parseSidecarConfig(text)
  if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'))
  return result.config
}

/** A lookup over the given configs, by canonical `name:version`. */
export function lookupOf(...configs: SidecarConfig[]): ConfigLookup {
  const byRef = new Map(configs.map((c) => [formatSidecarRef(c), c]))
  return (ref) => byRef.get(formatSidecarRef(ref))
}

/**
 * A lookup that also tells content hashes, as the Worker's does (SHA-256 of the config's JSON
 * text), so decisions stamp the pods they inject.
 */
export function hashedLookupOf(...configs: SidecarConfig[]): ConfigLookup {
  const hashes = new Map(
    configs.map((c) => [
      formatSidecarRef(c),
      createHash('sha256').update(JSON.stringify(c)).digest('hex'),
    ]),
  )
  return Object.assign(lookupOf(...configs), {
    hashOf: (ref: string) => hashes.get(ref),
  })
}

/** A v1 Pod CREATE request for `pod` in namespace `apps` unless told otherwise. */
export function podRequest(
  pod: JsonObject,
  overrides: { readonly [K in keyof AdmissionRequest]?: AdmissionRequest[K] | undefined } = {},
): AdmissionRequest {
  const request: Record<string, unknown> = {
    uid: 'uid-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'apps',
    object: pod,
    ...overrides,
  }
  // An override of `undefined` removes the field, as an API server that leaves it out.
  for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key]
  return request as unknown as AdmissionRequest
}

/** A small pod asking for `request` through the default annotation namespace. */
export function requestingPod(request: string, spec: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', annotations: { 'injector.tumblr.com/request': request } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  }
}

/** Applies a patch with fast-json-patch's validation on a copy, as the API server would. */
export function applyPatch(pod: JsonObject, patch: readonly PatchOp[]): JsonObject {
  const copy = structuredClone(pod)
  return fastJsonPatch.applyPatch(copy, structuredClone([...patch]), true, false).newDocument
}

/** Says which original values may go missing (e.g. token mounts when the account changes). */
export type Removable = (path: string, value: JsonValue) => boolean

/**
 * Asserts every value of `before` is still in `after` at the same place, where lists of named
 * objects are matched by name (injection may insert before them) and other lists by index.
 */
export function expectSurvives(
  before: JsonValue,
  after: JsonValue | undefined,
  removable: Removable = () => false,
  path = '',
): void {
  if (Array.isArray(before)) {
    if (!Array.isArray(after)) throw new Error(`${path}: list became ${JSON.stringify(after)}`)
    const named = before.every((item) => isJsonObject(item) && typeof item.name === 'string')
    let lastIndex = -1
    before.forEach((item, i) => {
      const at = `${path}[${i}]`
      if (removable(at, item)) return
      const index = named
        ? after.findIndex(
            (other) => isJsonObject(other) && isJsonObject(item) && other.name === item.name,
          )
        : i
      if (index < 0 || index <= lastIndex) throw new Error(`${at}: missing or moved out of order`)
      lastIndex = index
      expectSurvives(item, after[index], removable, at)
    })
    return
  }
  if (isJsonObject(before)) {
    if (!isJsonObject(after)) throw new Error(`${path}: object became ${JSON.stringify(after)}`)
    for (const key of Object.keys(before)) {
      const at = path === '' ? key : `${path}.${key}`
      const value = before[key] as JsonValue
      if (removable(at, value)) continue
      if (!Object.hasOwn(after, key)) throw new Error(`${at}: missing`)
      expectSurvives(value, after[key], removable, at)
    }
    return
  }
  if (before !== after) {
    throw new Error(`${path}: ${JSON.stringify(before)} became ${JSON.stringify(after)}`)
  }
}

/** Paths a patch may touch, per the injection rules; anything else is a bug. */
export const DOCUMENTED_PATHS: readonly RegExp[] = [
  /^\/spec\/(containers|initContainers)\/\d+\/(env|volumeMounts)(\/-|\/\d+)?$/,
  /^\/spec\/(containers|initContainers)(\/-|\/\d+)?$/,
  /^\/spec\/(volumes|imagePullSecrets|hostAliases)(\/-)?$/,
  /^\/spec\/(hostNetwork|hostPID|serviceAccountName)$/,
  /^\/metadata\/(labels|annotations)(\/[^/]+)?$/,
  /^\/(spec|metadata)$/,
]

/** Whether a patch path is one the injection rules document. */
export function isDocumentedPath(path: string): boolean {
  return DOCUMENTED_PATHS.some((pattern) => pattern.test(path))
}
