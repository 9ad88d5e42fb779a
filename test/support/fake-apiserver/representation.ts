import type { JsonObject } from '../../../shared/json.ts'
import { buildStatus, StatusError } from './status.ts'
import { asObject } from './store.ts'
import type { TableRequest } from './table.ts'

/**
 * What a client asked for through Accept besides plain objects: server-side printing (Table),
 * or metadata only (PartialObjectMetadata for one object, PartialObjectMetadataList for a list).
 */
export type Representation =
  | { readonly as: 'Table'; readonly table: TableRequest }
  | {
      readonly as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'
      /** `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`. */
      readonly apiVersion: string
    }

const META_VERSIONS = ['v1', 'v1beta1']
const TRANSFORMS = ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList']

/**
 * Negotiates like the apiserver: the first Accept clause it can serve wins, in the order given.
 * A plain JSON (or wildcard) clause wins with plain objects (undefined).
 */
export function negotiateRepresentation(
  accept: string | undefined,
  query: URLSearchParams,
): Representation | undefined {
  for (const clause of (accept ?? '').split(',')) {
    const [mediaType = '', ...rest] = clause.split(';').map((part) => part.trim())
    if (!['application/json', 'application/*', '*/*', ''].includes(mediaType)) continue
    const params = new Map(rest.map((part) => part.split('=') as [string, string]))
    const as = params.get('as')
    if (as === undefined) return undefined
    const version = params.get('v') ?? ''
    if (!TRANSFORMS.includes(as) || params.get('g') !== 'meta.k8s.io') continue
    if (!META_VERSIONS.includes(version)) continue
    const apiVersion = `meta.k8s.io/${version}`
    if (as === 'Table') {
      return {
        as,
        table: { apiVersion, includeObject: query.get('includeObject') ?? 'Metadata' },
      }
    }
    return { as: as === 'PartialObjectMetadata' ? as : 'PartialObjectMetadataList', apiVersion }
  }
  return undefined
}

/** 406 NotAcceptable, as the apiserver answers a transform that does not fit the answer. */
export function notAcceptable(message: string): StatusError {
  return new StatusError(406, buildStatus(406, 'NotAcceptable', message))
}

/** One object as metadata only (handlers/response.go asPartialObjectMetadata). */
export function asPartialObjectMetadata(object: JsonObject, apiVersion: string): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: asObject(object.metadata) }
}

/**
 * A list as metadata only (asPartialObjectMetadataList): every item a PartialObjectMetadata
 * with its kind and apiVersion, the list's resourceVersion, continue and remainingItemCount.
 */
export function asPartialObjectMetadataList(list: JsonObject, apiVersion: string): JsonObject {
  const items = Array.isArray(list.items) ? list.items : []
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion,
    metadata: asObject(list.metadata),
    items: items.map((item) => asPartialObjectMetadata(asObject(item), apiVersion)),
  }
}
