import type { JsonObject } from '../../shared/json.ts'
import reviewV1 from '../fixtures/kubernetes-api/admission.k8s.io.v1.AdmissionReview.json' with {
  type: 'json',
}
import reviewV1beta1 from '../fixtures/kubernetes-api/admission.k8s.io.v1beta1.AdmissionReview.json' with {
  type: 'json',
}
import configMapFixture from '../fixtures/kubernetes-api/core.v1.ConfigMap.json' with {
  type: 'json',
}

/** What a ConfigMap review is about; every field has a plain default. */
export interface ConfigMapReviewOptions {
  readonly version?: 'v1' | 'v1beta1'
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'
  /** The ConfigMap's data after the operation (before it, for DELETE). */
  readonly data?: Readonly<Record<string, string>>
  readonly namespace?: string
  readonly name?: string
  readonly uid?: string
  readonly labels?: Readonly<Record<string, string>>
}

/**
 * An AdmissionReview for a ConfigMap, as the API server sends it to a validating webhook: built
 * from Kubernetes' own round-trip fixtures (every request field populated, a ConfigMap with
 * binaryData, managedFields, owner references), with the kind, operation and data made real.
 * CREATE carries `object`; UPDATE `object` and `oldObject` (the fixture's own data); DELETE only
 * `oldObject`. Pure, so Node and workerd tests share it.
 */
export function configMapReview(options: ConfigMapReviewOptions = {}): JsonObject {
  const fixture = options.version === 'v1beta1' ? reviewV1beta1 : reviewV1
  const { response: _response, ...review } = structuredClone(fixture) as unknown as JsonObject
  const request = review.request as JsonObject
  const operation = options.operation ?? 'CREATE'
  const namespace = options.namespace ?? 'sidecars'
  const name = options.name ?? 'logging'
  const gvk = { group: '', version: 'v1', kind: 'ConfigMap' }
  const gvr = { group: '', version: 'v1', resource: 'configmaps' }
  const configMap = structuredClone(configMapFixture) as unknown as JsonObject
  const metadata = configMap.metadata as JsonObject
  Object.assign(metadata, {
    name,
    namespace,
    uid: '3a4e61b5-0c3f-4a53-9a1f-6c0f4b8e2d11',
    labels: { ...(options.labels ?? { app: 'k8s-sidecar-injector' }) },
  })
  delete metadata.generateName
  delete metadata.deletionTimestamp
  delete metadata.deletionGracePeriodSeconds
  configMap.immutable = false
  const old = structuredClone(configMap)
  configMap.data = { ...(options.data ?? {}) }
  Object.assign(request, {
    uid: options.uid ?? '2b752e5d-9a1c-4a07-8f3e-5b7c3e1d9f00',
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    subResource: '',
    requestSubResource: '',
    name,
    namespace,
    operation,
    dryRun: false,
    options: {
      apiVersion: 'meta.k8s.io/v1',
      kind: `${operation === 'DELETE' ? 'Delete' : operation === 'UPDATE' ? 'Update' : 'Create'}Options`,
    },
  })
  if (operation === 'DELETE') {
    request.object = null
    request.oldObject = { ...old, data: { ...(options.data ?? {}) } }
  } else {
    request.object = configMap
    request.oldObject = operation === 'UPDATE' ? old : null
  }
  return review
}
