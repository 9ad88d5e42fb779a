import type { AdmissionRequest } from './admission-review.ts'
import { isJsonObject, type JsonObject } from './json.ts'

/** An admission request built for a preview: it always names a namespace and holds the Pod. */
export interface PreviewRequest extends AdmissionRequest {
  readonly namespace: string
  readonly object: JsonObject
}

/**
 * What the API server would send when `pod` is created: a v1 Pod CREATE in `namespace`, else
 * the Pod's own, else `default`, with the Pod's name when it has one. The Worker's preview route
 * and the CLI's offline preview both decide on this request.
 */
export function buildPreviewRequest(pod: JsonObject, namespace?: string): PreviewRequest {
  const metadata = isJsonObject(pod.metadata) ? pod.metadata : {}
  const own = typeof metadata.namespace === 'string' ? metadata.namespace : undefined
  return {
    uid: 'preview',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: namespace ?? own ?? 'default',
    ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}),
    object: pod,
  }
}
