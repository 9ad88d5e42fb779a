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

/** How the injected pods of a cluster compare with what its view serves now. */
export interface DriftCounts {
  /** Pod-config pairs whose stamped hash is the one served now. */
  readonly current: number
  /** Pod-config pairs stamped with another hash of a config still served: they run an old sidecar. */
  readonly drifted: number
  /** Pod-config pairs of a config the view no longer serves at all. */
  readonly unserved: number
}

/** Injected pods of one `config@hash`, over every namespace, and how it stands against the view. */
export interface PodDriftRow {
  readonly config: string
  readonly hash: string
  readonly pods: number
  /** The short hash the cluster's view serves for `config` now; absent when it serves none. */
  readonly served?: string
  readonly state: 'current' | 'drifted' | 'unserved'
}

/** The last pod report of a cluster, as the fleet registry keeps it (namespaces summed). */
export interface PodSummary {
  readonly listedAt: string
  /** When the Worker received the report. */
  readonly receivedAt: string
  readonly totalPods: number
  /** Rows the relay sent (per namespace), before they were summed per config@hash. */
  readonly rows: number
  readonly byConfig: readonly {
    readonly config: string
    readonly hash: string
    readonly pods: number
  }[]
}

/** Body of `GET /v1/clusters/{cluster}/status` (sync token), and of one cluster of the fleet. */
export interface ClusterStatusView {
  readonly cluster: string
  /** ISO time of the last heartbeat the Worker received, good or refused. */
  readonly lastSeen?: string
  /** Seconds since `lastSeen`. */
  readonly syncAgeSeconds?: number
  /** The last good heartbeat. */
  readonly status?: ClusterStatusReport
  /** The last heartbeat refused as malformed, when it came after the last good one. */
  readonly refused?: { readonly at: string; readonly message: string }
  /** The scope's writer: revision served, pinned, last publish. Absent when it did not answer. */
  readonly scope?: ScopeState
  /** The configs the cluster's view serves now: its own scope's, then `shared`'s. */
  readonly servedConfigs?: number
  readonly pods?: PodSummary & { readonly drift: readonly PodDriftRow[] }
  readonly drift?: DriftCounts
}

/** One row of `GET /v1/fleet` (fleet token). */
export interface FleetClusterRow {
  readonly cluster: string
  readonly lastSeen?: string
  readonly syncAgeSeconds?: number
  readonly relayVersion?: string
  readonly kubernetesVersion?: string
  /** What the relay saw in labelled ConfigMaps. */
  readonly configs?: { readonly seen: number; readonly valid: number; readonly invalid: number }
  /** Configs the cluster's view serves now (own scope and `shared`). */
  readonly servedConfigs?: number
  readonly revision?: number
  readonly pinned?: boolean
  readonly drift?: DriftCounts
  readonly lastError?: { readonly at: string; readonly message: string }
}

/** Body of `GET /v1/fleet` (fleet token). */
export interface FleetView {
  readonly generatedAt: string
  readonly clusters: readonly FleetClusterRow[]
}

/** Body of a 200 answer to `DELETE /v1/fleet/clusters/{cluster}` (fleet token). */
export interface ForgetAnswer {
  readonly cluster: string
  /** Admission counter series dropped with the cluster. */
  readonly admissionSeries: number
}
