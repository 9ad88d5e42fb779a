/**
 * Wire types of the fleet control plane: what a relay reports about its cluster, and what the
 * Worker answers about clusters and the fleet. Shared by the Worker, the relay and the CLI.
 */

/** Body of `PUT /v1/clusters/{cluster}/status` (sync token): the relay's heartbeat. */
export interface ClusterStatusReport {
  /** The relay's own version (its package version). */
  readonly relayVersion: string
  /** The relay instance (pod name) that sends this. */
  readonly instance: string
  /** `gitVersion` of the API server's `/version`, e.g. `v1.31.2`; absent when unknown. */
  readonly kubernetesVersion?: string
  /** Namespaces the relay watches; `["*"]` for all. */
  readonly namespaces: readonly string[]
  /** The ConfigMap label selector, `k=v,...`. */
  readonly labels: string
  /** Configs the relay saw in labelled ConfigMaps, and how many were valid or invalid. */
  readonly configs: { readonly seen: number; readonly valid: number; readonly invalid: number }
  /** ISO time of the last push the Worker accepted. */
  readonly lastSuccessfulPush?: string
  /** The last push, watch or pod-listing error: short text, no tokens, at most 500 characters. */
  readonly lastError?: { readonly at: string; readonly message: string }
}

/** One count of running pods by the config they were injected with. */
export interface PodCount {
  /** Canonical `name:version`. */
  readonly config: string
  /** First 8 hex digits of the config's content hash, as stamped on the pod. */
  readonly hash: string
  /** `*` for a row that merges namespaces, when a report would exceed 10,000 rows. */
  readonly namespace: string
  readonly pods: number
}

/** Body of `PUT /v1/clusters/{cluster}/pods` (sync token): the relay's pod report. */
export interface PodReport {
  /** ISO time the listing started. */
  readonly listedAt: string
  /** Pods listed in all. */
  readonly totalPods: number
  /** Injected pods, counted per config@hash and namespace. */
  readonly counts: readonly PodCount[]
}

/** What a scope's writer reports about itself: `ScopeObject.state()`, read by status and fleet views. */
export interface ScopeState {
  readonly scope: string
  /** The newest revision recorded (0 before the first push). */
  readonly headRevision: number
  /** The revision KV serves (or is about to: see `publishPending`). */
  readonly servedRevision: number
  /** Set by a rollback until `unpin`: pushes are recorded but not served. */
  readonly pinned: boolean
  /** ISO time of the last KV publish, absent before the first. */
  readonly publishedAt?: string
  /** A committed revision waits for its KV publish (rate limit or a KV failure being retried). */
  readonly publishPending: boolean
  /** How many configs the served revision holds. */
  readonly configs: number
}
