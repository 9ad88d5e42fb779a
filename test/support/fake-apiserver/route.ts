import { type ResourceDefinition, resources } from './resource.ts'

/** The apiserver verb of a request, as used for audit, RBAC and this fake's counters and faults. */
export type Verb =
  | 'list'
  | 'watch'
  | 'get'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'discovery'
  | 'unknown'

/** A request path resolved against the served resources. */
export type Route =
  | { readonly kind: 'discovery'; readonly path: string }
  | {
      readonly kind: 'resource'
      readonly resource: ResourceDefinition
      readonly namespace: string | undefined
      readonly name: string | undefined
      /** Legacy `/watch/` path prefix, which implies watch=true. */
      readonly watchPath: boolean
    }
  | { readonly kind: 'unknown' }

/** Resolves `/api/v1/...` and `/apis/{group}/{version}/...` paths. */
export function resolveRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '')
  let group: string
  let rest: string[]
  if (parts[0] === 'api' && parts[1] === 'v1' && parts.length > 2) {
    group = ''
    rest = parts.slice(2)
  } else if (parts[0] === 'apis' && parts.length > 3) {
    group = `${parts[1] ?? ''}/${parts[2] ?? ''}`
    rest = parts.slice(3)
  } else {
    return { kind: 'discovery', path: `/${parts.join('/')}` }
  }
  const watchPath = rest[0] === 'watch'
  if (watchPath) rest = rest.slice(1)
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const resource = resources.find(
    (r) =>
      r.name === rest[0] && (r.group === '' ? group === '' : group === `${r.group}/${r.version}`),
  )
  if (resource === undefined || rest.length > 2) return { kind: 'unknown' }
  return { kind: 'resource', resource, namespace, name: rest[1], watchPath }
}

/** The verb of a request on a route. */
export function verbOf(method: string, route: Route, query: URLSearchParams): Verb {
  if (route.kind === 'discovery') return method === 'GET' ? 'discovery' : 'unknown'
  if (route.kind === 'unknown') return 'unknown'
  const watch = route.watchPath || query.get('watch') === 'true' || query.get('watch') === '1'
  const named = route.name !== undefined
  switch (method) {
    case 'GET':
      if (watch) return 'watch'
      return named ? 'get' : 'list'
    case 'POST':
      return named ? 'unknown' : 'create'
    case 'PUT':
      return named ? 'update' : 'unknown'
    case 'PATCH':
      return named ? 'patch' : 'unknown'
    case 'DELETE':
      return named ? 'delete' : 'unknown'
    default:
      return 'unknown'
  }
}
