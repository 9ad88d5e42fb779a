import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { CoreV1Event, V1ConfigMap } from '@kubernetes/client-node'
// A deep import: the package root loads every generated API class; the relay uses none of them.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js'
import type { ConfigMapClient } from './configmap-client.ts'
import type { ConfigMapRecord } from './desired-set.ts'
import { createListWatch } from './kube-list-watch.ts'
import type { KubeRequester, KubeTransport } from './kube-request.ts'
import { type NamespaceRecord, readNamespaceRecord } from './namespace-default.ts'
import type { ListWatch } from './reflector.ts'

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
  const collection = (namespace: string | undefined, labelSelector: string) =>
    createListWatch(transport, {
      path:
        namespace === undefined
          ? '/api/v1/configmaps'
          : `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
      query: { labelSelector },
      decode: (object) => toRecord(object as V1ConfigMap),
      listTimeoutMs: options.listTimeoutMs,
    })
  return {
    list: (namespace, labelSelector) => collection(namespace, labelSelector).list(),
    watch: (namespace, labelSelector, resourceVersion, onEvent, onEnd) =>
      collection(namespace, labelSelector).watch(resourceVersion, onEvent, onEnd),
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

/** Namespaces, cluster-wide (RBAC: get, list and watch on `namespaces`), read into records. */
export function createNamespaceListWatch(
  transport: KubeTransport,
  options: ConfigMapClientOptions & { readonly requestKey: string },
): ListWatch<NamespaceRecord> {
  return createListWatch(transport, {
    path: '/api/v1/namespaces',
    decode: (object) => readNamespaceRecord(object, options.requestKey),
    listTimeoutMs: options.listTimeoutMs,
  })
}
