import type { JsonObject } from '../../shared/json.ts'

/** Where a review comes from; every field has a plain default. */
export interface PodReviewOptions {
  readonly namespace?: string
  readonly uid?: string
  readonly name?: string
  readonly userInfo?: JsonObject
}

/**
 * An admission.k8s.io/v1 AdmissionReview for the CREATE of `pod`, as the API server sends it.
 * Pure (no Node or Workers APIs), so Node tests, workerd tests and benchmarks share it.
 */
export function podCreateReview(pod: JsonObject, options: PodReviewOptions = {}): JsonObject {
  const request: JsonObject = {
    uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE',
    namespace: options.namespace ?? 'apps',
  }
  if (options.name !== undefined) request.name = options.name
  if (options.userInfo !== undefined) request.userInfo = options.userInfo
  request.object = pod
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }
}
