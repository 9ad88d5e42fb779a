import type { JsonObject } from '../../../shared/json.ts'
import { parseResourceVersion, type ServerContext, waitForResourceVersion } from './context.ts'
import { decodeContinue, encodeContinue } from './continue-token.ts'
import { buildObjectFilter } from './object-filter.ts'
import { apiVersionOf, type ResourceDefinition } from './resource.ts'
import { badRequest, expired, invalid } from './status.ts'

/** The list request after routing. */
export interface ListRequest {
  readonly resource: ResourceDefinition
  readonly namespace: string | undefined
  readonly query: URLSearchParams
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'

/**
 * Serves a collection GET with the resourceVersion / resourceVersionMatch / limit / continue
 * semantics of the API concepts docs ("Resource versions" and "Retrieving large results sets in chunks").
 */
export async function serveList(context: ServerContext, request: ListRequest): Promise<JsonObject> {
  const { store } = context
  const { resource, namespace, query } = request
  const filter = buildObjectFilter(resource, query, undefined)
  const rvText = query.get('resourceVersion') ?? ''
  const match = query.get('resourceVersionMatch') ?? ''
  const token = query.get('continue') ?? ''
  const limitText = query.get('limit') ?? ''
  checkListOptions(rvText, match, limitText)
  let limit = limitText === '' ? 0 : Number(limitText)

  let snapshot: number
  let start = ''
  if (token !== '') {
    if (rvText !== '' && rvText !== '0') {
      throw badRequest('specifying resource version is not allowed when using continue')
    }
    const point = decodeContinue(token)
    start = point.start
    snapshot = point.resourceVersion
    if (snapshot >= 0 && snapshot < store.compactedResourceVersion()) {
      const fresh = encodeContinue({ resourceVersion: -1, start })
      throw expired(CONTINUE_EXPIRED, fresh)
    }
    if (snapshot < 0) snapshot = store.resourceVersion()
  } else if (rvText === '' || rvText === '0') {
    // Unset: consistent read of the latest state. "0": any state; served from the watch
    // cache, which (before 1.33) does not paginate, so limit is ignored.
    snapshot = store.resourceVersion()
    if (rvText === '0') limit = 0
  } else {
    const requested = parseResourceVersion(rvText)
    const exact = match === 'Exact' || (match === '' && limit > 0)
    await waitForResourceVersion(context, requested)
    snapshot = exact ? requested : store.resourceVersion()
  }

  // An exact, compacted snapshot throws 410 Expired "too old resource version".
  const page = store.page(resource.id, namespace, {
    resourceVersion: snapshot,
    start,
    limit,
    filter,
  })
  const metadata: JsonObject = { resourceVersion: String(snapshot) }
  if (page.more && page.lastKey !== undefined) {
    metadata.continue = encodeContinue({
      resourceVersion: snapshot,
      start: `${page.lastKey}\u0000`,
    })
    // Only reported for unfiltered lists (etcd3 store).
    const selected = query.get('labelSelector') ?? query.get('fieldSelector') ?? ''
    if (selected === '') metadata.remainingItemCount = page.remaining
  }
  return {
    kind: resource.listKind,
    apiVersion: apiVersionOf(resource),
    metadata,
    // List items carry no kind/apiVersion on the wire; the list does.
    items: page.items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest),
  }
}

function checkListOptions(rvText: string, match: string, limitText: string): void {
  const issues: { field: string; message: string }[] = []
  if (match !== '' && rvText === '') {
    issues.push({
      field: 'resourceVersionMatch',
      message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    })
  }
  if (match !== '' && match !== 'Exact' && match !== 'NotOlderThan') {
    issues.push({
      field: 'resourceVersionMatch',
      message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
    })
  }
  if (match === 'Exact' && rvText === '0') {
    issues.push({
      field: 'resourceVersionMatch',
      message: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    })
  }
  if (limitText !== '' && !/^\d+$/.test(limitText)) {
    issues.push({
      field: 'limit',
      message: `Invalid value: "${limitText}": must be a non-negative integer`,
    })
  }
  if (issues.length > 0) throw invalid('ListOptions', '', issues)
}
