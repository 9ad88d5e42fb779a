import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeReview, encodeResponse } from '../../shared/admission-review.ts'
import { decideAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject, JsonValue } from '../../shared/json.ts'
import { buildPatch, SERVICE_ACCOUNT_MOUNT_PATH } from '../../shared/patch.ts'
import {
  applyPatch,
  config,
  expectSurvives,
  isDocumentedPath,
  lookupOf,
  podRequest,
} from './engine-support.ts'

// Kubernetes' own round-trip objects: every field populated, many newer than any typed model.
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kubernetes-api')
const read = (file: string): JsonObject =>
  JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as JsonObject

const settings = DEFAULT_INJECTION_SETTINGS
const REQUEST = 'injector.tumblr.com/request'
const parsed = config(`
name: everything:v1
containers: [{name: logger, image: busybox, resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]}]
initContainers:
  - {name: proxy, image: envoy, restartPolicy: Always}
  - {name: setup, image: setup}
volumes: [{name: logs, emptyDir: {}}]
volumeMounts: [{name: logs, mountPath: /logs}]
env: [{name: SIDECAR, value: "on"}, {name: nameValue, value: mine}]
hostAliases: [{ip: 10.1.1.1, hostnames: [logs.local]}]
imagePullSecrets: [{name: sidecar-registry}]
serviceAccountName: sidecar
labels: {sidecar: everything}
annotations: {example.com/sidecar: everything}
`)
// The fixture's placeholder volume name is no DNS label; a config using it shows the pod's wins.
const everything = { ...parsed, volumes: [...parsed.volumes, { name: 'nameValue', emptyDir: {} }] }
const lookup = lookupOf(everything)

/** The pod-shaped object (metadata + spec) with the request annotation added. */
function requesting(object: JsonObject): JsonObject {
  const copy = structuredClone(object)
  const metadata = copy.metadata as JsonObject
  metadata.annotations = { ...(metadata.annotations as JsonObject), [REQUEST]: 'everything:v1' }
  return copy
}

/** Injects into a pod-shaped object and checks the rules that hold for every input. */
function injectAndCheck(
  before: JsonObject,
  removable?: (path: string, value: JsonValue) => boolean,
) {
  const result = buildPatch(before, [everything], settings)
  expect(result.applied).toEqual(['everything:v1'])
  for (const op of result.patch) expect(isDocumentedPath(op.path), op.path).toBe(true)
  const after = applyPatch(before, result.patch)
  expectSurvives(before, after, removable)
  expect(buildPatch(after, [everything], settings).patch).toEqual([])
  return { after, spec: after.spec as JsonObject, patch: result.patch }
}

const names = (list: JsonValue | undefined) => (list as JsonObject[]).map((c) => c.name)

describe('Kubernetes round-trip fixtures survive injection', () => {
  it('Pod: every field stays, the injected ones are added', () => {
    const pod = requesting(read('core.v1.Pod.json'))
    const { spec, after } = injectAndCheck(pod)
    expect(names(spec.containers)).toEqual(['nameValue', 'logger'])
    expect(names(spec.initContainers)).toEqual(['proxy', 'nameValue', 'setup'])
    expect(names(spec.volumes)).toEqual(['nameValue', 'logs'])
    expect(spec.serviceAccountName).toBe('serviceAccountNameValue')
    // The pod's own env entry of the same name wins.
    const env = (spec.containers as JsonObject[])[0]?.env as JsonObject[]
    expect(env.map((e) => [e.name, e.value])).toEqual([
      ['nameValue', 'valueValue'],
      ['SIDECAR', 'on'],
    ])
    expect((after.metadata as JsonObject).annotations).toEqual({
      annotationsKey: 'annotationsValue',
      [REQUEST]: 'everything:v1',
      'example.com/sidecar': 'everything',
      'injector.tumblr.com/status': 'injected',
    })
  })

  it('Pod running as default: the account and its token mounts are replaced, all else stays', () => {
    const pod = requesting(read('core.v1.Pod.json'))
    const spec = pod.spec as JsonObject
    spec.serviceAccountName = 'default'
    spec.serviceAccount = 'default'
    const container = (spec.containers as JsonObject[])[0] as JsonObject
    container.volumeMounts = [
      { name: 'kube-api-access', mountPath: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true },
      ...(container.volumeMounts as JsonObject[]),
    ]
    const replaced = injectAndCheck(
      pod,
      (path, value) =>
        path === 'spec.serviceAccountName' ||
        (path.startsWith('spec.containers[0].volumeMounts[') &&
          (value as JsonObject).mountPath === SERVICE_ACCOUNT_MOUNT_PATH),
    )
    expect(replaced.spec.serviceAccountName).toBe('sidecar')
    const mounts = (replaced.spec.containers as JsonObject[])[0]?.volumeMounts as JsonObject[]
    expect(mounts.map((m) => m.name)).toEqual(['nameValue', 'logs'])
  })

  it('PodTemplate template', () => {
    const template = read('core.v1.PodTemplate.json').template as JsonObject
    expect(names(injectAndCheck(requesting(template)).spec.containers)).toContain('logger')
  })

  it('Deployment template', () => {
    const template = (read('apps.v1.Deployment.json').spec as JsonObject).template as JsonObject
    expect(names(injectAndCheck(requesting(template)).spec.containers)).toContain('logger')
  })

  it.each([
    ['admission.k8s.io.v1.AdmissionReview.json', 'admission.k8s.io/v1'],
    ['admission.k8s.io.v1beta1.AdmissionReview.json', 'admission.k8s.io/v1beta1'],
  ])('%s: decoded as is (not a Pod), and carrying the Pod fixture', (file, apiVersion) => {
    const body = read(file)
    const review = decodeReview(body)
    expect(review.apiVersion).toBe(apiVersion)
    const skip = decideAdmission(review.request, settings, lookup)
    expect(skip.kind === 'skip' && skip.reason).toBe('not_create')
    expect(encodeResponse(review, skip)).toEqual({
      apiVersion,
      kind: 'AdmissionReview',
      response: { uid: 'uidValue', allowed: true },
    })

    const pod = requesting(read('core.v1.Pod.json'))
    const request = body.request as JsonObject
    const asPod = decodeReview({
      ...body,
      request: {
        ...request,
        operation: 'CREATE',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        object: pod,
      },
    })
    const decision = decideAdmission(asPod.request, settings, lookup)
    expect(decision.kind).toBe('inject')
    if (decision.kind !== 'inject') return
    const after = applyPatch(pod, decision.patch)
    expectSurvives(pod, after)
    const response = encodeResponse(asPod, decision).response as JsonObject
    expect(response.uid).toBe('uidValue')
    expect(response.patchType).toBe('JSONPatch')
    expect(decideAdmission(podRequest(after), settings, lookup)).toMatchObject({
      reason: 'already_injected',
    })
  })
})
