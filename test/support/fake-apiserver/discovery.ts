import type { JsonObject } from '../../../shared/json.ts'
import { apiVersionOf, type ResourceDefinition, resources } from './resource.ts'
import { buildStatus, StatusError } from './status.ts'

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']

/**
 * Legacy (unaggregated) discovery documents, enough for kubectl: it asks for aggregated
 * discovery first and falls back when the answer is plain application/json.
 */
export function serveDiscovery(path: string, host: string): JsonObject {
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
    }
  }
  if (path === '/apis') {
    const groups = [...new Set(resources.filter((r) => r.group !== '').map((r) => r.group))]
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => {
        const version = { groupVersion: `${name}/v1`, version: 'v1' }
        return { name, versions: [version], preferredVersion: version }
      }),
    }
  }
  if (path === '/version') {
    return {
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.0-fake',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2024-12-11T00:00:00Z',
      goVersion: 'go1.23.4',
      compiler: 'gc',
      platform: 'linux/amd64',
    }
  }
  const groupVersion = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice(6) : ''
  const served = resources.filter((r) => apiVersionOf(r) === groupVersion)
  if (served.length > 0) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: served.map(describe),
    }
  }
  const group = served.length === 0 && path.startsWith('/apis/') ? path.slice(6) : ''
  if (group !== '' && !group.includes('/') && resources.some((r) => r.group === group)) {
    const version = { groupVersion: `${group}/v1`, version: 'v1' }
    return {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: group,
      versions: [version],
      preferredVersion: version,
    }
  }
  // /openapi/v2 and /openapi/v3 too: kubectl copes without them for get and watch.
  const message = 'the server could not find the requested resource'
  throw new StatusError(
    404,
    buildStatus(404, 'NotFound', message, {
      causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }],
    }),
  )
}

function describe(resource: ResourceDefinition): JsonObject {
  return {
    name: resource.name,
    singularName: resource.kind.toLowerCase(),
    namespaced: resource.clusterScoped !== true,
    kind: resource.kind,
    verbs: VERBS,
    shortNames: [...resource.shortNames],
  }
}
