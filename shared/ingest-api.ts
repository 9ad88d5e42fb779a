import type { ConfigIssue } from './types.ts'

/** Where a pushed config came from. */
export type ConfigSource =
  | {
      readonly kind: 'ConfigMap'
      readonly namespace: string
      readonly name: string
      readonly key: string
      readonly resourceVersion?: string
    }
  | { readonly kind: 'File'; readonly path: string; readonly document?: number }

/** One entry of `PUT /v1/clusters/{cluster}/configs`: the raw config text and its source. */
export interface IngestEntry {
  readonly text: string
  readonly source: ConfigSource
}

/**
 * What the relay knows of its cluster, sent with each push and stored with the scope's revision.
 * A push without it keeps what the scope holds; with it, each field present replaces the stored one.
 */
export interface ClusterFactsPush {
  /** `--cluster-labels`: the cluster's labels, read by `${cluster.labels.<key>}` in configs. */
  readonly labels?: Readonly<Record<string, string>>
  /**
   * Namespace name to the request its `{annotation namespace}/request` annotation gives pods
   * that carry no request of their own (relay `--namespace-defaults`). Namespaces without the
   * annotation are absent.
   */
  readonly namespaceDefaults?: Readonly<Record<string, string>>
}

/** Body of `PUT /v1/clusters/{cluster}/configs`: the full desired set of the scope. */
export interface IngestRequest {
  readonly configs: readonly IngestEntry[]
  /** Cluster scopes only: what the relay reports of its cluster (see `ClusterFactsPush`). */
  readonly cluster?: ClusterFactsPush
}

/** The Worker's verdict on one entry, in request order. */
export type IngestResult =
  | {
      readonly index: number
      readonly status: 'accepted'
      readonly ref: string
      readonly hash: string
      readonly source: ConfigSource
      /** Findings that did not refuse the config, such as a tumblr scalar read as a string. */
      readonly notes?: readonly ConfigIssue[]
    }
  | {
      readonly index: number
      readonly status: 'rejected'
      /** Present when the name could be read. */
      readonly ref?: string
      readonly issues: readonly ConfigIssue[]
      readonly source: ConfigSource
    }

/** Body of a 200 answer to `PUT /v1/clusters/{cluster}/configs`. */
export interface IngestResponse {
  readonly cluster: string
  readonly results: readonly IngestResult[]
  /** `name:version` of configs now held. */
  readonly stored: readonly string[]
  /** `name:version` of configs removed because they were not in the set. */
  readonly removed: readonly string[]
  /** True when the set equalled what was held, and nothing was written. */
  readonly unchanged: boolean
  /**
   * What the push cost in Workers KV operations: reads (a bulk get is one) and writes. A push
   * reads nothing (the scope's object holds its history) and writes the scope at most once,
   * whatever the number of configs.
   */
  readonly kvOps: { readonly reads: number; readonly writes: number }
  /** The scope's revision this push made, or the one it equalled when `unchanged`. */
  readonly revision: number
  /**
   * KV serves this revision now. False while its publish waits: KV takes one write a second to
   * a scope, so a second push within that second is published by the scope's object a moment
   * later (retried until it lands); and never while the scope is pinned.
   */
  readonly published: boolean
  /** The scope is pinned by a rollback: the push is recorded, not served, until unpin. */
  readonly pinned: boolean
}

/** One row of `GET /v1/clusters/{cluster}/configs`. */
export interface StoredConfigInfo {
  readonly ref: string
  readonly name: string
  readonly version: string
  readonly hash: string
  readonly source: ConfigSource
  readonly updatedAt: string
}

/** Body of `GET /v1/clusters/{cluster}/configs`. */
export interface StoredConfigList {
  readonly cluster: string
  readonly configs: readonly StoredConfigInfo[]
}

/** Error body of every non-2xx answer: `{ "error": "..." }`. */
export interface ErrorBody {
  readonly error: string
}
