import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  ApiException,
  CoreV1Api,
  type CoreV1Event,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node'
import type { ConfigMapClient, ConfigMapWatchEvent } from './configmap-client.ts'
import type { ConfigMapRecord } from './desired-set.ts'

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

type CallOptions = Parameters<CoreV1Api['listNamespacedConfigMap']>[1]

/** ConfigMap list + watch through client-node's CoreV1Api and Watch. */
export function createConfigMapClient(
  config: KubeConfig,
  options: ConfigMapClientOptions,
): ConfigMapClient {
  const api = config.makeApiClient(CoreV1Api)
  const watcher = new Watch(config)
  return {
    list: async (namespace, labelSelector) => {
      const callOptions = timeoutOptions(options.listTimeoutMs)
      try {
        const list =
          namespace === undefined
            ? await api.listConfigMapForAllNamespaces({ labelSelector }, callOptions)
            : await api.listNamespacedConfigMap({ namespace, labelSelector }, callOptions)
        return {
          items: list.items.map(toRecord),
          resourceVersion: list.metadata?.resourceVersion ?? '',
        }
      } catch (error) {
        throw new Error(describeApiError(error))
      }
    },
    watch: async (namespace, labelSelector, resourceVersion, onEvent, onEnd) => {
      const path =
        namespace === undefined
          ? '/api/v1/configmaps'
          : `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`
      // A server-side timeout spread over 5-10 min, as client-go's reflector does.
      const timeoutSeconds = 300 + Math.floor(Math.random() * 300)
      const controller = await watcher.watch(
        path,
        { labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        (type: string, object: unknown) => {
          const event = toWatchEvent(type, object)
          if (event !== undefined) onEvent(event)
        },
        (error: unknown) => {
          // client-node ends a watch silent for 30 s with a TimeoutError; like its ListWatch,
          // resume from the last resourceVersion (the relay's watchdog covers shorter limits).
          if (error === null || error === undefined || isClientTimeout(error)) onEnd({})
          else onEnd({ error: { message: describeApiError(error), status: statusOf(error) } })
        },
      )
      return { abort: () => controller.abort() }
    },
  }
}

/** Posts core/v1 Events (RBAC: `create` on `events` in the ConfigMap's namespace). */
export function createEventPoster(config: KubeConfig): (event: CoreV1Event) => Promise<void> {
  const api = config.makeApiClient(CoreV1Api)
  return async (event) => {
    const namespace = event.metadata.namespace ?? 'default'
    try {
      await api.createNamespacedEvent({ namespace, body: event }, timeoutOptions(10_000))
    } catch (error) {
      throw new Error(describeApiError(error))
    }
  }
}

// The object-style API takes Observable middleware per call; 'append' keeps the auth and user agent.
function timeoutOptions(ms: number): CallOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms))
      return new Observable(Promise.resolve(context))
    },
    post: (context) => new Observable(Promise.resolve(context)),
  }
  return { middleware: [middleware], middlewareMergeStrategy: 'append' }
}

function isClientTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError'
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
  if (error instanceof ApiException) return error.code
  const status = (error as { statusCode?: unknown }).statusCode
  return typeof status === 'number' ? status : undefined
}

/** A short, token-free description of a client-node failure. */
function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as unknown
    let reason = ''
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown }
        if (typeof parsed.message === 'string') reason = `: ${parsed.message}`
      } catch {
        reason = body === '' ? '' : `: ${body.slice(0, 200)}`
      }
    } else if (typeof body === 'object' && body !== null && 'message' in body) {
      reason = `: ${String((body as { message: unknown }).message)}`
    }
    return `HTTP ${error.code}${reason}`
  }
  if (error instanceof Error) {
    const status = statusOf(error)
    const cause = (error as { cause?: unknown }).cause
    const detail = cause instanceof Error ? ` (${cause.message})` : ''
    return `${status === undefined ? '' : `HTTP ${status}: `}${error.name}: ${error.message}${detail}`
  }
  return String(error)
}
