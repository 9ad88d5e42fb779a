import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { JsonObject } from '../../../shared/json.ts'
import { type ConfigMapChange, type ConfigMapInput, configMapObject } from './config-map-input.ts'
import type { ServerContext, ServerSettings } from './context.ts'
import { dispatch } from './dispatch.ts'
import { type FaultHandle, FaultSet, type FaultSpec } from './faults.ts'
import { Registry } from './registry.ts'
import { type RequestFilter, RequestLog, type RequestRecord } from './request-log.ts'
import { type PodInput, podObject } from './pod-input.ts'
import {
  type NamespaceInput,
  type NamespacePatch,
  namespaceObject,
  namespacePatchBody,
} from './namespace-input.ts'
import { configMaps, coreEvents, eventsV1, namespaces, pods } from './resource.ts'
import { asObject, ObjectStore } from './store.ts'
import { type WatchInfo, WatchSet } from './watch-set.ts'

/** Options of the fake; defaults follow the real apiserver where it has one. */
export interface FakeApiServerOptions {
  /** Port on 127.0.0.1 (default: random). */
  readonly port?: number
  /** BOOKMARK period on watches with allowWatchBookmarks=true (default 60 000, about the watch cache's). */
  readonly bookmarkIntervalMs?: number
  /** Watch lifetime when the client sends no timeoutSeconds (default 1800, the min-request-timeout). */
  readonly watchTimeoutSeconds?: number
  /** How long a request for a future resourceVersion waits before 504 (default 3000, as the cacher). */
  readonly tooLargeWaitMs?: number
  /** Keep at most this many changes; older starting points get 410 (default: keep all until compact()). */
  readonly historyLimit?: number
  /** First resourceVersion (default 1000). */
  readonly initialResourceVersion?: number
  /** Require `Authorization: Bearer <token>` (default: no auth). */
  readonly token?: string
}

/** A running fake Kubernetes API server plus the controls tests use. */
export interface FakeApiServer {
  readonly url: string
  readonly port: number
  /** Creates a ConfigMap (namespace default `default`); throws a StatusError (409) if it exists. */
  createConfigMap(input: ConfigMapInput): JsonObject
  /** Replaces the given fields (or applies `mutate`); throws a StatusError (404) when absent. */
  updateConfigMap(
    namespace: string,
    name: string,
    change: ConfigMapChange | ((current: JsonObject) => JsonObject),
  ): JsonObject
  /** Creates or replaces data/labels/annotations. */
  upsertConfigMap(input: ConfigMapInput): JsonObject
  /** Deletes; returns the last state. Throws a StatusError (404) when absent. */
  deleteConfigMap(namespace: string, name: string): JsonObject
  /** One ConfigMap or undefined. */
  getConfigMap(namespace: string, name: string): JsonObject | undefined
  /** Current ConfigMaps, sorted by namespace/name. */
  listConfigMaps(namespace?: string): JsonObject[]
  /** Creates a pod (status Pending, as the registry sets it); throws a StatusError on 409/422. */
  createPod(input: PodInput): JsonObject
  /**
   * Creates many pods in process, each through the registry's checks, then sets their status
   * phase as a kubelet would (default Running). Returns how many were created.
   */
  seedPods(inputs: Iterable<PodInput>, options?: { readonly phase?: string }): number
  /** Deletes a pod; returns its last state. Throws a StatusError (404) when absent. */
  deletePod(namespace: string, name: string): JsonObject
  /** Current pods, sorted by namespace/name. */
  listPods(namespace?: string): JsonObject[]
  /** Creates a namespace (status Active, as the registry sets it); throws a StatusError on 409/422. */
  createNamespace(input: NamespaceInput): JsonObject
  /** Merge-patches a namespace's labels and annotations (null removes); 404 when absent. */
  patchNamespace(name: string, patch: NamespacePatch): JsonObject
  /** Deletes a namespace at once (no finalizers); returns its last state; 404 when absent. */
  deleteNamespace(name: string): JsonObject
  /** One namespace or undefined. */
  getNamespace(name: string): JsonObject | undefined
  /** Current namespaces, sorted by name. */
  listNamespaces(): JsonObject[]
  /** Posted Events (core/v1 and events.k8s.io/v1), oldest first. */
  events(namespace?: string): JsonObject[]
  /** The newest resourceVersion. */
  resourceVersion(): string
  /** Drops history up to now: older watch starts, exact lists and continue tokens get 410. */
  compact(): string
  /** Requests seen, optionally filtered. */
  requests(filter?: RequestFilter): RequestRecord[]
  /** Number of requests matching the filter (e.g. `{ verb: 'list', resource: 'configmaps' }`). */
  requestCount(filter?: RequestFilter): number
  /** Forgets recorded requests. */
  resetRequests(): void
  /** The open watch streams. */
  openWatches(): WatchInfo[]
  /** Resolves once at least `count` watches (of `resource`, default configmaps) are open. */
  waitForWatches(count?: number, options?: { resource?: string; timeoutMs?: number }): Promise<void>
  /** Destroys every open watch's socket mid-stream. */
  dropWatches(): void
  /** Makes every open watch go silent without closing. */
  stallWatches(): void
  /** Sends ERROR 410 Expired on every open watch, then ends them. */
  expireWatches(): void
  /** Ends every open watch cleanly (as a timeout does). */
  closeWatches(): void
  /** Injects a fault; see FaultSpec. */
  injectFault(fault: FaultSpec): FaultHandle
  /** Removes all faults. */
  clearFaults(): void
  /** Stops listening and cuts every connection (API server unreachable); `goOnline` restores it. */
  goOffline(): Promise<void>
  /** Listens again on the same port. */
  goOnline(): Promise<void>
  /** Shuts down for good. */
  stop(): Promise<void>
}

/** Starts the fake on 127.0.0.1 and resolves once it listens. */
export async function startFakeApiServer(
  options: FakeApiServerOptions = {},
): Promise<FakeApiServer> {
  const settings: ServerSettings = {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
    tooLargeWaitMs: options.tooLargeWaitMs ?? 3000,
  }
  const store = new ObjectStore(options)
  const registry = new Registry(store)
  const watches = new WatchSet()
  const context: ServerContext = { store, registry, watches, settings }
  const faults = new FaultSet()
  const log = new RequestLog()
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    // dispatch answers every failure itself; this only guards against a bug escaping it.
    dispatch({ context, faults, log, token: options.token }, req, res).catch(() => res.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listen(server, options.port ?? 0)
  let online = true

  const goOffline = async (): Promise<void> => {
    if (!online) return
    online = false
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  const get = (namespace: string, name: string): JsonObject | undefined =>
    store.get(configMaps.id, namespace, name)
  const update: FakeApiServer['updateConfigMap'] = (namespace, name, change) => {
    const current = registry.get(configMaps, namespace, name)
    const next =
      typeof change === 'function' ? change(structuredClone(current)) : applyChange(current, change)
    return registry.update(configMaps, namespace, name, next)
  }
  const count = (filter?: RequestFilter): number => log.list(filter).length

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    createConfigMap: (input) =>
      registry.create(configMaps, input.namespace ?? 'default', configMapObject(input)),
    updateConfigMap: update,
    upsertConfigMap: (input) => {
      const namespace = input.namespace ?? 'default'
      if (get(namespace, input.name) === undefined) {
        return registry.create(configMaps, namespace, configMapObject(input))
      }
      return update(namespace, input.name, input)
    },
    deleteConfigMap: (namespace, name) => registry.delete(configMaps, namespace, name),
    createPod: (input) => registry.create(pods, input.namespace ?? 'default', podObject(input)),
    seedPods: (inputs, { phase = 'Running' } = {}) => {
      let count = 0
      for (const input of inputs) {
        const namespace = input.namespace ?? 'default'
        const created = registry.create(pods, namespace, podObject(input))
        if (phase !== 'Pending') {
          registry.updateStatus(pods, namespace, input.name, {
            ...asObject(created.status),
            phase,
          })
        }
        count += 1
      }
      return count
    },
    deletePod: (namespace, name) => registry.delete(pods, namespace, name),
    listPods: (namespace) => store.list(pods.id, namespace),
    createNamespace: (input) => registry.create(namespaces, '', namespaceObject(input)),
    patchNamespace: (name, patch) =>
      registry.patch(namespaces, '', name, MERGE_PATCH, namespacePatchBody(patch)),
    deleteNamespace: (name) => registry.delete(namespaces, '', name),
    getNamespace: (name) => store.get(namespaces.id, '', name),
    listNamespaces: () => store.list(namespaces.id),
    getConfigMap: get,
    listConfigMaps: (namespace) => store.list(configMaps.id, namespace),
    events: (namespace) =>
      [...store.list(coreEvents.id, namespace), ...store.list(eventsV1.id, namespace)].sort(
        (a, b) =>
          Number(asObject(a.metadata).resourceVersion) -
          Number(asObject(b.metadata).resourceVersion),
      ),
    resourceVersion: () => String(store.resourceVersion()),
    compact: () => String(store.compact()),
    requests: (filter) => log.list(filter),
    requestCount: count,
    resetRequests: () => log.reset(),
    openWatches: () => watches.list(),
    waitForWatches: (wanted = 1, { resource = 'configmaps', timeoutMs = 10_000 } = {}) =>
      watches.waitFor(
        (open) => open.filter((w) => w.resource === resource).length >= wanted,
        timeoutMs,
      ),
    dropWatches: () => {
      for (const watch of watches.list()) watch.drop()
    },
    stallWatches: () => {
      for (const watch of watches.list()) watch.stall()
    },
    expireWatches: () => {
      for (const watch of watches.list()) watch.expire()
    },
    closeWatches: () => {
      for (const watch of watches.list()) watch.close()
    },
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    goOffline,
    goOnline: async () => {
      if (online) return
      await listen(server, port)
      online = true
    },
    stop: async () => {
      faults.clear()
      await goOffline()
    },
  }
}

const MERGE_PATCH = 'application/merge-patch+json'

function applyChange(current: JsonObject, change: ConfigMapChange): JsonObject {
  const next = structuredClone(current)
  const metadata = asObject(next.metadata)
  if (change.labels !== undefined) metadata.labels = { ...change.labels }
  if (change.annotations !== undefined) metadata.annotations = { ...change.annotations }
  next.metadata = metadata
  if (change.data !== undefined) next.data = { ...change.data }
  if (change.immutable !== undefined) next.immutable = change.immutable
  return next
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}
