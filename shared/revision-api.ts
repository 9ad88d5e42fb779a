import type { ConfigSource } from './ingest-api.ts'

/**
 * Wire types of a scope's history: `GET /v1/clusters/{cluster}/revisions[/{n}]`,
 * `POST .../rollback` and `POST .../unpin`. Shared by the Worker and the CLI.
 */

/** Which kind of token made a revision. */
export type PusherToken = 'sync' | 'fleet'

/** Who made a revision: the token kind and the relay instance (`cli` for anything else). */
export interface Pusher {
  readonly token: PusherToken
  /** The relay's pod name from header `x-relay-instance`, or `cli` when the header is absent. */
  readonly instance: string
}

/** How a revision came to be: a push, a rollback to an older one, or an unpin. */
export type RevisionOrigin = 'push' | 'rollback' | 'unpin'

/** One `name:version` the revision added or removed, with its content hash. */
export interface RevisionRef {
  readonly ref: string
  readonly hash: string
}

/** One `name:version` whose content (or only its source, when the hashes are equal) changed. */
export interface RevisionChange extends RevisionRef {
  readonly previousHash: string
}

/** What a revision changed against the revision before it. */
export interface RevisionDiff {
  readonly added: readonly RevisionRef[]
  readonly changed: readonly RevisionChange[]
  readonly removed: readonly RevisionRef[]
}

/** One revision of a scope, as the history lists it. */
export interface RevisionSummary {
  readonly revision: number
  /** ISO time it was recorded. */
  readonly at: string
  readonly token: PusherToken
  readonly instance: string
  readonly origin: RevisionOrigin
  /** For a rollback or an unpin: the revision whose configs it took. */
  readonly from?: number
  /** Configs it holds. */
  readonly configs: number
  /** How many configs it added, changed and removed. */
  readonly added: number
  readonly changed: number
  readonly removed: number
  /** It changed what the relay reports of its cluster (labels, namespace defaults). */
  readonly factsChanged?: true
  /** The scope serves this revision (KV holds it, or is about to). */
  readonly served: boolean
}

/** Body of `GET /v1/clusters/{cluster}/revisions`: the newest revisions first. */
export interface RevisionList {
  readonly cluster: string
  /** The newest revision (0 before the first push). */
  readonly headRevision: number
  /** The revision the scope serves. */
  readonly servedRevision: number
  /** Set by a rollback until `unpin`: pushes are recorded but not served. */
  readonly pinned: boolean
  /** The served revision waits for its KV publish (retried until it lands). */
  readonly publishPending: boolean
  readonly revisions: readonly RevisionSummary[]
  /** Pass as `before` for the next page; absent on the last page. */
  readonly next?: number
}

/** One config of a revision. */
export interface RevisionEntry {
  readonly ref: string
  readonly hash: string
  readonly inherits?: string
  readonly source: ConfigSource
  /** When this `name:version` last got new content, as of this revision. */
  readonly updatedAt: string
}

/** Body of `GET /v1/clusters/{cluster}/revisions/{n}`. */
export interface RevisionDetail {
  readonly cluster: string
  readonly revision: RevisionSummary
  readonly diff: RevisionDiff
  readonly entries: readonly RevisionEntry[]
}

/** Body of `POST /v1/clusters/{cluster}/rollback`. */
export interface RollbackRequest {
  readonly revision: number
}

/** Body of a 200 answer to `POST .../rollback` and `POST .../unpin`. */
export interface PinResponse {
  readonly cluster: string
  /** The revision the scope serves now. */
  readonly servedRevision: number
  /** A new revision was recorded (false: the served configs already were the ones asked for). */
  readonly changed: boolean
  readonly pinned: boolean
  /** KV holds the served revision now (false: its publish is pending and retried). */
  readonly published: boolean
  readonly kvOps: { readonly reads: number; readonly writes: number }
}
