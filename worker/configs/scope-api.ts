import type { ScopeState } from '../../shared/fleet-api.ts'
import type { ClusterFactsPush, ConfigSource } from '../../shared/ingest-api.ts'
import type {
  PinResponse,
  Pusher,
  RevisionDetail,
  RevisionList,
} from '../../shared/revision-api.ts'
import type { KvCost } from './kv-limits.ts'

/** One accepted config, as the ingest route hands it to the scope's object. */
export interface ScopeEntry {
  readonly ref: string
  /** Lowercase hex SHA-256 of `json`. */
  readonly hash: string
  readonly inherits?: string
  readonly source: ConfigSource
  /** The config as JSON text, exactly what the snapshot serves. */
  readonly json: string
}

/** A push as the scope's object takes it: the full accepted set, and who sent it. */
export interface ScopePush {
  readonly entries: readonly ScopeEntry[]
  readonly pusher: Pusher
  /** What the relay reports of its cluster; absent keeps the stored facts (see ClusterFactsPush). */
  readonly cluster?: ClusterFactsPush
}

/** What `setKubernetesVersion` did: nothing when the version was the stored one. */
export interface VersionOutcome {
  readonly changed: boolean
  /** KV serves the header with this version now; false while its publish waits. */
  readonly published: boolean
  /** Why the version was not recorded (not a version text); the stored one is kept. */
  readonly refused?: string
  readonly kvOps: KvCost
}

/** What the scope's object made of a push. */
export interface ScopePushResult {
  /** The revision recorded, or the head revision the set equalled. */
  readonly revision: number
  /** The set equalled the head revision: nothing was written, neither SQLite nor KV. */
  readonly unchanged: boolean
  /** `name:version` the revision removed, sorted. */
  readonly removed: readonly string[]
  /** KV holds this revision now; false while its publish waits (rate limit, KV failure, pin). */
  readonly published: boolean
  /** The scope is pinned: the revision is recorded but not served until unpin. */
  readonly pinned: boolean
  /** What the object spent in KV for this push. */
  readonly kvOps: KvCost
}

/** A page of the history: at most `limit` revisions older than `before` (default: all). */
export interface RevisionPage {
  readonly limit: number
  readonly before?: number
}

/** The range of revisions a scope keeps, for the message of an unknown one. */
export interface KeptRange {
  readonly oldest: number
  readonly head: number
}

/** One revision, or the range kept when there is no such revision. */
export type RevisionLookup =
  | { readonly found: true; readonly detail: Omit<RevisionDetail, 'cluster'> }
  | ({ readonly found: false } & KeptRange)

/** The answer to a rollback or an unpin, or the range kept when the revision is unknown. */
export type PinOutcome =
  | ({ readonly found: true } & Omit<PinResponse, 'cluster'>)
  | ({ readonly found: false } & KeptRange)

/** The methods of a scope's object that routes and the fleet view call (over RPC). */
export interface ScopeWriter {
  push(scope: string, push: ScopePush): Promise<ScopePushResult>
  revisions(scope: string, page: RevisionPage): Promise<Omit<RevisionList, 'cluster'>>
  revision(scope: string, revision: number): Promise<RevisionLookup>
  rollback(scope: string, revision: number, pusher: Pusher): Promise<PinOutcome>
  unpin(scope: string, pusher: Pusher): Promise<PinOutcome>
  state(scope: string): Promise<ScopeState>
  /**
   * Records the cluster's Kubernetes version (from its heartbeat) and republishes the scope's
   * snapshot header when it changed; the same version writes nothing.
   */
  setKubernetesVersion(scope: string, version: string | undefined): Promise<VersionOutcome>
}

/** The writer of each scope: in the Worker, the scope's Durable Object (`SCOPES`, by name). */
export type ScopeDirectory = (scope: string) => ScopeWriter
