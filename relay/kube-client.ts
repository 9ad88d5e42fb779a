import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { CoreV1Event, V1ConfigMap, V1ConfigMapList } from '@kubernetes/client-node'
// A deep import: the package root loads every generated API class; the relay uses none of them.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js'
import type { ConfigMapClient, ConfigMapWatchEvent, WatchEnd } from './configmap-client.ts'
import type { ConfigMapRecord } from './desired-set.ts'
import {
  describeAnswer,
  KubeApiError,
  type KubeRequester,
  type KubeTransport,
  readText,
} from './kube-request.ts'

/** Where the API server is, as the flags say. */
export interface KubeTarget {
  readonly kubeconfig?: string | undefined
  readonly masterUrl?: string | undefined
  /** True inside a pod (KUBERNETES_SERVICE_HOST is set). */
  readonly inCluster: boolean
  /**
   * Whether a default kubeconfig exists (`KUBECONFIG` or `~/.kube/config`). Without one,
   * client-node silently falls back to http://localhost:8080; the relay refuses instead.
   */
  readonly hasDefaultKubeconfig?: boolean
}

/** True when `KUBECONFIG` names files or `~/.kube/config` exists, as client-node looks. */
export function defaultKubeconfigExists(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.KUBECONFIG ?? '') !== '') return true
  return existsSync(join(env.HOME ?? homedir(), '.kube', 'config'))
}

/** Loads credentials like tumblr's BuildConfigFromFlags: kubeconfig, else in-cluster, else ~/.kube/config; `masterUrl` overrides the server. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const config = new KubeConfig()
  if (target.kubeconfig !== undefined) config.loadFromFile(target.kubeconfig)
  else if (target.inCluster) config.loadFromCluster()
  else if (target.masterUrl === undefined) {
    if (target.hasDefaultKubeconfig === false) {
      throw new Error(
        'no Kubernetes configuration found: not in a cluster, no --kubeconfig, no --master-url, and neither KUBECONFIG nor ~/.kube/config',
      )
    }
    config.loadFromDefault()
  }
  if (target.masterUrl === undefined) return config
  const current = config.getCurrentCluster()
  const user = config.getCurrentUser() ?? { name: 'relay' }
  // client-node refuses plain http unless TLS verification is off (there is no TLS to verify).
  const plainHttp = target.masterUrl.startsWith('http:')
  const cluster = {
    ...(current ?? { name: 'relay', skipTLSVerify: false }),
    name: current?.name ?? 'relay',
    server: target.masterUrl,
    skipTLSVerify: plainHttp || (current?.skipTLSVerify ?? false),
  }
  const overridden = new KubeConfig()
  overridden.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: 'relay', cluster: cluster.name, user: user.name, namespace: 'default' }],
    currentContext: 'relay',
  })
  return overridden
}

export interface ConfigMapClientOptions {
  /** A list that takes longer is abandoned as failed. */
  readonly listTimeoutMs: number
}

/** ConfigMap list + watch over the relay's API server transport. */
export function createConfigMapClient(
  transport: KubeTransport,
  options: ConfigMapClientOptions,
): ConfigMapClient {
  const pathOf = (namespace: string | undefined): string =>
    namespace === undefined
      ? '/api/v1/configmaps'
      : `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`
  return {
    list: async (namespace, labelSelector) => {
      const list = (await transport.request({
        path: pathOf(namespace),
        query: { labelSelector },
        timeoutMs: options.listTimeoutMs,
      })) as V1ConfigMapList
      return {
        items: (list.items ?? []).map(toRecord),
        resourceVersion: list.metadata?.resourceVersion ?? '',
      }
    },
    watch: async (namespace, labelSelector, resourceVersion, onEvent, onEnd) => {
      // A server-side timeout spread over 5-10 min, as client-go's reflector does.
      const timeoutSeconds = String(300 + Math.floor(Math.random() * 300))
      const controller = new AbortController()
      let ended = false
      const end = (result: WatchEnd): void => {
        if (ended) return
        ended = true
        controller.abort()
        onEnd(result)
      }
      const handle = {
        abort: () => {
          ended = true
          controller.abort()
        },
      }
      let res: Awaited<ReturnType<KubeTransport['open']>>
      try {
        res = await transport.open({
          path: pathOf(namespace),
          query: {
            watch: 'true',
            labelSelector,
            resourceVersion,
            allowWatchBookmarks: 'true',
            timeoutSeconds,
          },
          headersTimeoutMs: options.listTimeoutMs,
          signal: controller.signal,
        })
      } catch (error) {
        end({ error: { message: describeError(error), status: statusOf(error) } })
        return handle
      }
      const status = res.statusCode ?? 0
      if (status !== 200) {
        readText(res).then(
          (text) => end({ error: { message: describeAnswer(status, text), status } }),
          () => end({ error: { message: `HTTP ${status}`, status } }),
        )
        return handle
      }
      // One JSON event per line (API concepts, "Efficient detection of changes"); a line that
      // does not parse is skipped, as client-go's decoder would fail only that event.
      let partial = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) {
          if (ended) return
          const event = parseWatchLine(line)
          if (event !== undefined) onEvent(event)
        }
      })
      res.once('end', () => end({}))
      res.once('error', (error) => end({ error: { message: describeError(error) } }))
      res.once('close', () => end(res.complete ? {} : { error: { message: 'watch stream cut' } }))
      return handle
    },
  }
}

/** Posts core/v1 Events (RBAC: `create` on `events` in the ConfigMap's namespace). */
export function createEventPoster(request: KubeRequester): (event: CoreV1Event) => Promise<void> {
  return async (event) => {
    const namespace = event.metadata.namespace ?? 'default'
    await request({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      body: event,
      timeoutMs: 10_000,
    })
  }
}

function parseWatchLine(line: string): ConfigMapWatchEvent | undefined {
  if (line.trim() === '') return undefined
  try {
    const parsed = JSON.parse(line) as { type?: unknown; object?: unknown }
    return toWatchEvent(String(parsed.type), parsed.object)
  } catch {
    return undefined
  }
}

function toRecord(object: V1ConfigMap): ConfigMapRecord {
  const metadata = object.metadata ?? {}
  const data: Record<string, string> = {}
  for (const [key, value] of Object.entries(object.data ?? {})) {
    if (typeof value === 'string') data[key] = value
  }
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    ...(metadata.uid === undefined ? {} : { uid: metadata.uid }),
    ...(metadata.resourceVersion === undefined
      ? {}
      : { resourceVersion: metadata.resourceVersion }),
    data,
  }
}

function toWatchEvent(type: string, object: unknown): ConfigMapWatchEvent | undefined {
  const value = (typeof object === 'object' && object !== null ? object : {}) as {
    metadata?: { resourceVersion?: string }
    code?: number
    message?: string
  }
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type, object: toRecord(value as V1ConfigMap) }
    case 'BOOKMARK':
      return { type, resourceVersion: value.metadata?.resourceVersion ?? '' }
    case 'ERROR':
      return { type, code: value.code, message: value.message ?? 'unknown watch error' }
    default:
      return undefined
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.status : undefined
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
