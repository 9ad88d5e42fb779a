import type { IncomingMessage } from 'node:http'
import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import type { ServerContext } from './context.ts'
import { readJsonBody } from './http-io.ts'
import type { Preconditions } from './registry.ts'
import type { ResourceDefinition } from './resource.ts'
import { badRequest, methodNotAllowed } from './status.ts'
import { asObject } from './store.ts'

/** A single-object or create request after routing. */
export interface ObjectRequest {
  readonly resource: ResourceDefinition
  readonly namespace: string | undefined
  readonly name: string | undefined
}

/** An HTTP answer: status code and JSON body. */
export interface Answer {
  readonly code: number
  readonly body: JsonValue
}

/** Serves GET/POST/PUT/PATCH/DELETE on objects through the registry. */
export async function serveObject(
  context: ServerContext,
  request: ObjectRequest,
  req: IncomingMessage,
): Promise<Answer> {
  const { registry } = context
  const { resource, name } = request
  // Cluster-scoped objects are stored under the empty namespace, as etcd keys them.
  const namespace = resource.clusterScoped === true ? '' : request.namespace
  if (namespace === undefined) throw methodNotAllowed(req.method ?? '')
  const method = req.method ?? 'GET'
  if (method === 'POST' && name === undefined) {
    return { code: 201, body: registry.create(resource, namespace, await readJsonBody(req)) }
  }
  if (name === undefined) throw methodNotAllowed(method)
  switch (method) {
    case 'GET':
      return { code: 200, body: registry.get(resource, namespace, name) }
    case 'PUT':
      return {
        code: 200,
        body: registry.update(resource, namespace, name, await readJsonBody(req)),
      }
    case 'PATCH': {
      const type = req.headers['content-type'] ?? ''
      const body = await readJsonBody(req)
      return { code: 200, body: registry.patch(resource, namespace, name, type, body) }
    }
    case 'DELETE': {
      const deleted = registry.delete(
        resource,
        namespace,
        name,
        readPreconditions(await readJsonBody(req)),
      )
      return { code: 200, body: deletedStatus(resource, deleted) }
    }
    default:
      throw methodNotAllowed(method)
  }
}

// The generic registry answers an immediate delete with a Success Status naming the object.
function deletedStatus(resource: ResourceDefinition, deleted: JsonObject): JsonObject {
  const metadata = asObject(deleted.metadata)
  const details: JsonObject = {
    name: metadata.name ?? '',
    kind: resource.name,
    uid: metadata.uid ?? '',
  }
  if (resource.group !== '') details.group = resource.group
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }
}

function readPreconditions(body: JsonValue): Preconditions {
  if (body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest('DeleteOptions must be an object')
  const kind = body.kind
  if (kind !== undefined && kind !== 'DeleteOptions')
    throw badRequest(`expected DeleteOptions, got ${String(kind)}`)
  const given = asObject(body.preconditions)
  const preconditions: { uid?: string; resourceVersion?: string } = {}
  if (typeof given.uid === 'string') preconditions.uid = given.uid
  if (typeof given.resourceVersion === 'string')
    preconditions.resourceVersion = given.resourceVersion
  return preconditions
}
