import { KubeApiError, type KubeRequester } from './kube-request.ts'
import { ListExpiredError, type PodMetadata, type PodPageLister } from './pod-counter.ts'

// Metadata only (API concepts, "Receiving resources as metadata only"): a fraction of full pods.
// Plain JSON after the comma: a server that cannot transform still answers with a PodList.
const ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'

interface ListBody {
  readonly metadata?: { readonly continue?: unknown }
  readonly items?: readonly { readonly metadata?: RawMetadata }[]
}

interface RawMetadata {
  readonly namespace?: unknown
  readonly annotations?: unknown
}

/**
 * Lists pods cluster-wide, one page at a time (RBAC: `list` on `pods` at the cluster scope).
 * Only each pod's namespace and the stamp annotation are kept from a page.
 */
export function createPodPageLister(
  request: KubeRequester,
  options: { readonly annotationKey: string; readonly timeoutMs: number },
): PodPageLister {
  return async ({ limit, continue: token }, signal) => {
    let body: ListBody
    try {
      body = (await request({
        path: '/api/v1/pods',
        query: { limit: String(limit), continue: token },
        accept: ACCEPT,
        timeoutMs: options.timeoutMs,
        signal,
      })) as ListBody
    } catch (error) {
      // 410 Gone: the continue token's snapshot was compacted away.
      if (error instanceof KubeApiError && error.status === 410) {
        throw new ListExpiredError(error.message)
      }
      throw error
    }
    const next = body.metadata?.continue
    return {
      items: (body.items ?? []).map((item) => keep(item.metadata, options.annotationKey)),
      continue: typeof next === 'string' && next !== '' ? next : undefined,
    }
  }
}

function keep(metadata: RawMetadata | undefined, annotationKey: string): PodMetadata {
  const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : ''
  const annotations = metadata?.annotations
  const stamp =
    typeof annotations === 'object' && annotations !== null
      ? (annotations as Record<string, unknown>)[annotationKey]
      : undefined
  return typeof stamp === 'string'
    ? { namespace, annotations: { [annotationKey]: stamp } }
    : { namespace }
}
