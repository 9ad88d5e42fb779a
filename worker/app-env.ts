import type { DecodedReview } from '../shared/admission-review.ts'
import type { LogSink } from './admission/admission-log.ts'
import type { ConfigReader } from './configs/config-reader.ts'
import type { ConfigStore } from './configs/config-store.ts'
import type { KvLimits } from './configs/kv-limits.ts'
import type { ScopeDirectory } from './configs/scope-api.ts'
import type { AdmissionCounter } from './fleet/admission-counter.ts'
import type { TokenAuth } from './http/token-auth.ts'
import type { WorkerSettings } from './settings.ts'

/** What an admission has cost so far; the fail-open fallback logs it too. */
export interface AdmissionCost {
  readonly startedAt: number
  kvOps: number
}

/** Which webhook a review came to: pod injection, or the sidecar ConfigMap check. */
export type WebhookKind = 'admit' | 'validate'

/** Hono's per-request variables: the decoded review, once there is one, for the fail-open policy. */
export interface AppEnv {
  Variables: { review: DecodedReview; cluster: string; cost: AdmissionCost; webhook: WebhookKind }
}

/** What the routes are built from; `createApp` builds it from its options. */
export interface AppDeps {
  /** Over the KV binding as `kvLimits` wraps it: every call counts toward its invocation. */
  readonly store: ConfigStore
  readonly kvLimits: KvLimits
  readonly settings: WorkerSettings
  readonly reader: ConfigReader
  readonly auth: TokenAuth
  readonly log: LogSink
  /** Milliseconds since the epoch; tests move it to expire cached snapshots. */
  readonly now: () => number
  /** Each scope's only writer (its Durable Object): pushes, history, rollback. */
  readonly scopes: ScopeDirectory
  /** The isolate's admission counts, sent to the fleet object now and then, never awaited. */
  readonly admissions: AdmissionCounter
}
