import { DurableObject } from 'cloudflare:workers'
import {
  checkKubernetesVersionText,
  mergeClusterFacts,
  sameClusterFacts,
} from '../../shared/cluster-facts.ts'
import { SHARED_SCOPE } from '../../shared/cluster-name.ts'
import type { ScopeState } from '../../shared/fleet-api.ts'
import type { RetentionPolicy } from '../../shared/history-retention.ts'
import type { ClusterFactsPush } from '../../shared/ingest-api.ts'
import type { Pusher, RevisionList } from '../../shared/revision-api.ts'
import { diffEntrySets, type EntrySet, sameEntrySet } from '../../shared/revision-diff.ts'
import { readHistorySettings } from '../settings.ts'
import { type ConfigStore, createKvConfigStore, type KvLike } from './config-store.ts'
import { writeGap } from './kv-layout.ts'
import { createKvLimits, type KvLimits } from './kv-limits.ts'
import type {
  PinOutcome,
  RevisionLookup,
  RevisionPage,
  ScopePush,
  ScopePushResult,
  VersionOutcome,
} from './scope-api.ts'
import { type Commit, type CommitEntry, ScopeHistory } from './scope-history.ts'
import { encodeSnapshot } from './snapshot.ts'

// A commit sets an alarm this far ahead before it publishes: should the object die between
// the two, the alarm publishes instead. A publish that lands clears it.
const REPAIR_DELAY_MS = 10_000
// A failed publish is retried after 1 s, 2 s, 4 s, ... at most 5 minutes apart.
const RETRY_BASE_MS = 1000
const RETRY_MAX_MS = 5 * 60_000
// `published` when KV holds no revision's current header (the Kubernetes version moved).
const STALE_HEADER = -1

/**
 * The one writer of a scope (binding SCOPES, one object per scope by name): pushes are
 * serialised here, each change becomes a numbered revision in the object's SQLite, and the
 * served revision is published to KV as the scope's snapshot, one write per publish. The
 * decisions (same set, diff, retention) are shared/ functions; this class wires them to storage.
 */
export class ScopeObject extends DurableObject<Env> {
  // Instance properties, which Workers RPC does not expose: only code in the object's own
  // isolate reaches them (tests, through runInDurableObject).
  /** The object's clock (ms since the epoch): revision times and KV's write gap; tests move it. */
  now: () => number = () => Date.now()
  /** The KV namespace publishes go to (`CONFIGS`); tests put a failing or slow one in its place. */
  kv: KvLike
  readonly #history: ScopeHistory
  readonly #limits: KvLimits
  readonly #store: ConfigStore
  #retention: RetentionPolicy | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.kv = env.CONFIGS
    this.#history = new ScopeHistory(ctx.storage)
    // Cloudflare holds the object's own invocations to KV's limits as well; so does it, locally.
    this.#limits = createKvLimits({
      now: () => this.now(),
      onViolation: (error) => {
        logLine({ event: 'kv_limit_exceeded', limit: error.limit, message: error.message })
      },
    })
    this.#store = createKvConfigStore(
      this.#limits.wrap({
        get: (keys, type) => this.kv.get(keys, type),
        put: (key, value) => this.kv.put(key, value),
        delete: (key) => this.kv.delete(key),
      }),
    )
  }

  /**
   * Records a pushed set as the next revision unless it equals the head one, and publishes it
   * unless the scope is pinned. A publish KV's write rate or a failure holds back is left to
   * the alarm; the answer says whether KV holds the revision already.
   */
  push(scope: string, push: ScopePush): Promise<ScopePushResult> {
    return this.#limits.run(async (): Promise<ScopePushResult> => {
      const meta = this.#history.meta(scope)
      const head = this.#history.entries(meta.head)
      const next: EntrySet = new Map(push.entries.map((entry) => [entry.ref, entry]))
      // A push without cluster facts keeps the head's; a change of facts alone is a revision.
      const headFacts = this.#history.facts(meta.head)
      const facts = mergeClusterFacts(headFacts, push.cluster)
      if (sameEntrySet(head, next) && sameClusterFacts(headFacts, facts)) {
        return {
          revision: meta.head,
          unchanged: true,
          removed: [],
          published: meta.published === meta.head,
          pinned: meta.pinned,
          kvOps: this.#limits.cost(),
        }
      }
      const diff = diffEntrySets(head, next)
      const revision = await this.#commit(scope, {
        entries: push.entries,
        previous: head,
        diff,
        pusher: push.pusher,
        origin: 'push',
        serve: !meta.pinned,
        facts,
      })
      const published = !meta.pinned && (await this.#publish(scope))
      return {
        revision,
        unchanged: false,
        removed: diff.removed.map((r) => r.ref),
        published,
        pinned: meta.pinned,
        kvOps: this.#limits.cost(),
      }
    })
  }

  /**
   * Serves the configs of `revision` as a new revision and pins the scope: later pushes are
   * recorded, not served, until `unpin`. When the served configs already are those, nothing is
   * recorded or written, but the scope is pinned all the same.
   */
  rollback(scope: string, revision: number, pusher: Pusher): Promise<PinOutcome> {
    return this.#limits.run(async (): Promise<PinOutcome> => {
      const meta = this.#history.meta(scope)
      if (this.#history.summary(revision, meta.served) === undefined) {
        return { found: false, oldest: this.#history.oldest(), head: meta.head }
      }
      const target = this.#history.entries(revision)
      const outcome = await this.#serve(scope, target, this.#history.facts(revision), {
        pusher,
        origin: 'rollback',
        from: revision,
        pinned: true,
      })
      logLine({ event: 'scope_pinned', scope, rolledBackTo: revision, ...outcome, by: pusher })
      return { found: true, ...outcome, kvOps: this.#limits.cost() }
    })
  }

  /** Unpins the scope and serves its latest pushed revision (a new revision if it differs). */
  unpin(scope: string, pusher: Pusher): Promise<PinOutcome> {
    return this.#limits.run(async (): Promise<PinOutcome> => {
      const meta = this.#history.meta(scope)
      if (!meta.pinned) {
        return {
          found: true,
          servedRevision: meta.served,
          changed: false,
          pinned: false,
          published: meta.published === meta.served,
          kvOps: this.#limits.cost(),
        }
      }
      const latest = this.#history.latestPush()
      const target = this.#history.entries(latest ?? meta.served)
      const facts = this.#history.facts(latest ?? meta.served)
      const outcome = await this.#serve(scope, target, facts, {
        pusher,
        origin: 'unpin',
        ...(latest === undefined ? {} : { from: latest }),
        pinned: false,
      })
      logLine({
        event: 'scope_unpinned',
        scope,
        latestPush: latest ?? null,
        ...outcome,
        by: pusher,
      })
      return { found: true, ...outcome, kvOps: this.#limits.cost() }
    })
  }

  /** A page of the history, newest first, with the scope's pointers. */
  revisions(scope: string, page: RevisionPage): Omit<RevisionList, 'cluster'> {
    const meta = this.#history.meta(scope)
    const { revisions, more } = this.#history.summaries(meta.served, page.limit, page.before)
    const last = revisions.at(-1)
    return {
      headRevision: meta.head,
      servedRevision: meta.served,
      pinned: meta.pinned,
      publishPending: meta.published !== meta.served,
      revisions,
      ...(more && last !== undefined ? { next: last.revision } : {}),
    }
  }

  /** One revision with its diff and configs, or the range kept. */
  revision(scope: string, revision: number): RevisionLookup {
    const meta = this.#history.meta(scope)
    const summary = this.#history.summary(revision, meta.served)
    if (summary === undefined)
      return { found: false, oldest: this.#history.oldest(), head: meta.head }
    return {
      found: true,
      detail: {
        revision: summary,
        diff: this.#history.diff(revision),
        entries: this.#history.entryList(revision),
      },
    }
  }

  /** The scope's revision and publish state; a scope never pushed to has revision 0. */
  state(scope: string): ScopeState {
    const meta = this.#history.meta(scope)
    return {
      scope,
      headRevision: meta.head,
      servedRevision: meta.served,
      pinned: meta.pinned,
      ...(meta.publishedAt === undefined ? {} : { publishedAt: meta.publishedAt }),
      publishPending: meta.published !== meta.served,
      configs: this.#history.summary(meta.served, meta.served)?.configs ?? 0,
    }
  }

  /**
   * Records the Kubernetes version the cluster's heartbeat reports (undefined: unknown) and, when
   * it changed, republishes the served revision so admissions read it from the snapshot header.
   * The same version writes nothing, neither SQLite nor KV.
   */
  setKubernetesVersion(scope: string, version: string | undefined): Promise<VersionOutcome> {
    return this.#limits.run(async (): Promise<VersionOutcome> => {
      const meta = this.#history.meta(scope)
      const unchanged = (refused?: string): VersionOutcome => ({
        changed: false,
        published: meta.published === meta.served,
        ...(refused === undefined ? {} : { refused: `kubernetesVersion: ${refused}` }),
        kvOps: this.#limits.cost(),
      })
      if (scope === SHARED_SCOPE) return unchanged(`scope "${SHARED_SCOPE}" is no cluster`)
      const problem = version === undefined ? undefined : checkKubernetesVersionText(version)
      if (problem !== undefined) return unchanged(problem)
      if (this.#history.kubernetesVersion() === version) return unchanged()
      this.#history.ensureState(scope)
      this.#history.setKubernetesVersion(version)
      // KV's header is stale now: the publish writes the served revision again, with the version.
      this.#history.setPublishState({ published: STALE_HEADER })
      const published = await this.#publish(scope)
      return { changed: true, published, kvOps: this.#limits.cost() }
    })
  }

  /** Publishes the served revision: after KV's write gap, a failed write, or a lost object. */
  override async alarm(): Promise<void> {
    const scope = this.#history.storedScope()
    if (scope === undefined) return
    await this.#limits.run(() => this.#publish(scope))
  }

  /** Serves `target` (pinning or unpinning), as a new revision unless it is what is served. */
  async #serve(
    scope: string,
    target: EntrySet,
    facts: ClusterFactsPush,
    how: Pick<Commit, 'pusher' | 'origin' | 'from'> & { readonly pinned: boolean },
  ): Promise<{ servedRevision: number; changed: boolean; pinned: boolean; published: boolean }> {
    const meta = this.#history.meta(scope)
    const served = this.#history.entries(meta.served)
    if (sameEntrySet(target, served) && sameClusterFacts(facts, this.#history.facts(meta.served))) {
      if (meta.pinned !== how.pinned) this.#history.setPinned(how.pinned)
      const published = meta.published === meta.served
      return { servedRevision: meta.served, changed: false, pinned: how.pinned, published }
    }
    const head = meta.head === meta.served ? served : this.#history.entries(meta.head)
    const entries: CommitEntry[] = [...target].map(([ref, { hash, inherits, source }]) => ({
      ref,
      hash,
      ...(inherits === undefined ? {} : { inherits }),
      source,
    }))
    const revision = await this.#commit(scope, {
      ...how,
      entries,
      previous: head,
      diff: diffEntrySets(head, target),
      serve: true,
      facts,
    })
    const published = await this.#publish(scope)
    return { servedRevision: revision, changed: true, pinned: how.pinned, published }
  }

  /** Records a revision, arms the repair alarm with it, and applies retention. */
  async #commit(scope: string, commit: Omit<Commit, 'atMs'>): Promise<number> {
    const atMs = this.now()
    const policy = this.#policy()
    const revision = this.#history.commit(scope, { ...commit, atMs })
    // No await between the commit and this call: the output gate stores both or neither.
    const armed = commit.serve ? this.#alarmIn(REPAIR_DELAY_MS) : undefined
    const meta = this.#history.meta(scope)
    this.#history.prune(policy, atMs, [meta.served, this.#history.latestPush() ?? 0])
    await armed
    return revision
  }

  /**
   * Writes the served revision's snapshot to KV unless it is there already; returns whether KV
   * holds it now. Idempotent: any number of calls end with KV at the served revision.
   */
  async #publish(scope: string): Promise<boolean> {
    const meta = this.#history.meta(scope)
    const target = meta.served
    if (meta.published === target) {
      await this.ctx.storage.deleteAlarm()
      return true
    }
    const now = this.now()
    // Workers KV takes one write per second to a key: a publish within it waits for the alarm.
    const wait = writeGap(meta.writeMs, now)
    if (wait > 0) {
      await this.#alarmIn(wait)
      return false
    }
    // Claimed before the write goes out, so a publish that starts meanwhile waits its turn.
    this.#history.setPublishState({ writeMs: now })
    const writtenAt = new Date(now).toISOString()
    const configs = this.#history.snapshotConfigs(target)
    const version = this.#history.kubernetesVersion()
    const facts = {
      ...this.#history.facts(target),
      ...(version === undefined ? {} : { kubernetesVersion: version }),
    }
    try {
      const { text } = encodeSnapshot(scope, writtenAt, configs, target, facts)
      await this.#store.writeSnapshot(scope, text)
    } catch (error) {
      const failures = meta.failures + 1
      const retryInMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1))
      this.#history.setPublishState({ failures })
      const message = error instanceof Error ? error.message : String(error)
      logLine({ event: 'publish_failed', scope, revision: target, failures, retryInMs, message })
      await this.#alarmIn(retryInMs)
      return false
    }
    this.#history.setPublishState({ published: target, publishedAt: writtenAt, failures: 0 })
    // Pushes may have moved the served revision while the write was out: publish that one next.
    if (this.#history.meta(scope).served !== target) {
      await this.#alarmIn(writeGap(now, this.now()))
      return false
    }
    await this.ctx.storage.deleteAlarm()
    return true
  }

  // Alarms run on the platform's clock, whichever clock `now` is.
  #alarmIn(ms: number): Promise<void> {
    return this.ctx.storage.setAlarm(Date.now() + ms)
  }

  #policy(): RetentionPolicy {
    this.#retention ??= readHistorySettings({ ...this.env })
    return this.#retention
  }
}

function logLine(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line))
}
