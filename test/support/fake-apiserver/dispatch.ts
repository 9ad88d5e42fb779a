import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ServerContext } from './context.ts'
import { serveDiscovery } from './discovery.ts'
import type { FaultAction, FaultSet } from './faults.ts'
import { sendError, sendJson } from './http-io.ts'
import { serveList } from './list-handler.ts'
import { serveObject } from './object-handler.ts'
import {
  asPartialObjectMetadata,
  asPartialObjectMetadataList,
  negotiateRepresentation,
  notAcceptable,
} from './representation.ts'
import type { RequestLog, RequestRecord } from './request-log.ts'
import { type Route, resolveRoute, type Verb, verbOf } from './route.ts'
import { buildStatus, faultStatus, StatusError } from './status.ts'
import { asObject } from './store.ts'
import { buildTable } from './table.ts'
import { serveWatch } from './watch-handler.ts'

/** Everything one request needs besides the HTTP objects. */
export interface DispatchDeps {
  readonly context: ServerContext
  readonly faults: FaultSet
  readonly log: RequestLog
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token: string | undefined
}

/** Routes one HTTP request: log, faults, auth, then the handler; errors become Status bodies. */
export async function dispatch(
  deps: DispatchDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake')
  const route = resolveRoute(url.pathname)
  const verb = verbOf(req.method ?? 'GET', route, url.searchParams)
  const resource = route.kind === 'resource' ? route.resource.name : undefined
  const namespace = route.kind === 'resource' ? route.namespace : undefined
  const fault = deps.faults.take({ verb, resource, namespace })
  const record: RequestRecord = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    verb,
    resource,
    namespace,
    name: route.kind === 'resource' ? route.name : undefined,
    query: Object.fromEntries(url.searchParams),
    userAgent: req.headers['user-agent'],
    accept: req.headers.accept,
    authorized: req.headers.authorization !== undefined,
    fault: fault?.type,
    at: new Date(),
    status: undefined,
  }
  deps.log.add(record)
  await serveRequest(deps, req, res, { url, route, verb, resource, namespace, fault })
  if (res.headersSent) record.status = res.statusCode
}

interface Resolved {
  readonly url: URL
  readonly route: Route
  readonly verb: Verb
  readonly resource: string | undefined
  readonly namespace: string | undefined
  readonly fault: FaultAction | undefined
}

async function serveRequest(
  deps: DispatchDeps,
  req: IncomingMessage,
  res: ServerResponse,
  resolved: Resolved,
): Promise<void> {
  const { url, route, verb, resource, namespace, fault } = resolved
  try {
    if (!(await applyRequestFault(fault, verb, req))) return
    if (deps.token !== undefined && req.headers.authorization !== `Bearer ${deps.token}`) {
      throw new StatusError(401, buildStatus(401, 'Unauthorized', 'Unauthorized'))
    }
    if (fault?.type === 'status') {
      throw faultStatus(fault.code, { verb, resource, namespace }, fault.retryAfterSeconds)
    }
    if (route.kind === 'discovery') {
      if (['/healthz', '/livez', '/readyz'].includes(route.path)) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok')
        return
      }
      sendJson(res, 200, serveDiscovery(route.path, req.headers.host ?? ''))
      return
    }
    if (route.kind === 'unknown' || verb === 'unknown') {
      const message = 'the server could not find the requested resource'
      throw new StatusError(404, buildStatus(404, 'NotFound', message))
    }
    // kubectl asks for server-side printing (as=Table) and would fall back to plain objects;
    // metadata-only clients ask for as=PartialObjectMetadata(List).
    const shape = negotiateRepresentation(req.headers.accept, url.searchParams)
    const internal = `*${route.resource.group === '' ? 'core' : route.resource.group.split('.')[0]}`
    if (verb === 'watch') {
      if (shape?.as === 'PartialObjectMetadataList') {
        throw notAcceptable(
          'you requested PartialObjectMetadataList, but the requested object is not a list (*metav1.WatchEvent)',
        )
      }
      await serveWatch(
        deps.context,
        { ...route, query: url.searchParams, fault, representation: shape },
        req,
        res,
      )
      return
    }
    if (verb === 'list') {
      if (shape?.as === 'PartialObjectMetadata') {
        throw notAcceptable(
          `you requested PartialObjectMetadata, but the requested object is a list (${internal}.${route.resource.listKind})`,
        )
      }
      const list = await serveList(deps.context, { ...route, query: url.searchParams })
      const items = Array.isArray(list.items) ? list.items.map(asObject) : []
      if (shape?.as === 'Table') {
        sendJson(res, 200, buildTable(route.resource, shape.table, items, asObject(list.metadata)))
      } else if (shape?.as === 'PartialObjectMetadataList') {
        sendJson(res, 200, asPartialObjectMetadataList(list, shape.apiVersion))
      } else {
        sendJson(res, 200, list)
      }
      return
    }
    if (verb === 'get' && shape?.as === 'PartialObjectMetadataList') {
      throw notAcceptable(
        `you requested PartialObjectMetadataList, but the requested object is not a list (${internal}.${route.resource.kind})`,
      )
    }
    const answer = await serveObject(deps.context, route, req)
    if (verb === 'get' && shape?.as === 'Table') {
      const object = asObject(answer.body)
      const rv = asObject(object.metadata).resourceVersion ?? ''
      sendJson(res, 200, buildTable(route.resource, shape.table, [object], { resourceVersion: rv }))
      return
    }
    if (verb === 'get' && shape?.as === 'PartialObjectMetadata') {
      sendJson(res, 200, asPartialObjectMetadata(asObject(answer.body), shape.apiVersion))
      return
    }
    sendJson(res, answer.code, answer.body)
  } catch (error) {
    if (res.headersSent) {
      res.destroy()
      return
    }
    sendError(res, error)
  }
}

/** Applies hang/delay/drop before routing; false when the request must not be answered. */
async function applyRequestFault(
  fault: FaultAction | undefined,
  verb: string,
  req: IncomingMessage,
): Promise<boolean> {
  if (fault === undefined) return true
  switch (fault.type) {
    case 'hang':
      return false
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms))
      return !req.socket.destroyed
    case 'drop':
      // On a watch the drop happens mid-stream (after `afterEvents`); elsewhere, before answering.
      if (verb === 'watch') return true
      req.socket.destroy()
      return false
    default:
      return true
  }
}
