import { isEmptyClusterFacts, sameClusterFacts } from '../../shared/cluster-facts.ts'
import { type RetentionPolicy, selectExpiredRevisions } from '../../shared/history-retention.ts'
import type { ClusterFactsPush, ConfigSource } from '../../shared/ingest-api.ts'
import type {
  Pusher,
  PusherToken,
  RevisionDiff,
  RevisionEntry,
  RevisionOrigin,
  RevisionSummary,
} from '../../shared/revision-api.ts'
import type { EntryRecord } from '../../shared/revision-diff.ts'
import type { SnapshotConfig } from './snapshot.ts'

/**
 * A scope's history in its object's SQLite database. Durable Object SQLite takes at most 2 MB
 * per string, BLOB or row, 100 KB per statement and 100 bound parameters per query, so nothing
 * grows with the size of a scope inside one row: each revision's configs are rows of `entries`,
 * its diff rows of `changes`, and each config's JSON one row of `contents` (at most 1 MiB,
 * INJECTOR_CONFIG_MAX_BYTES' ceiling), stored once per content hash whatever the number of
 * revisions naming it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS scope_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  scope TEXT NOT NULL,
  head INTEGER NOT NULL,
  served INTEGER NOT NULL,
  pinned INTEGER NOT NULL,
  published INTEGER NOT NULL,
  published_at TEXT,
  write_ms INTEGER NOT NULL,
  failures INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
  revision INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  token TEXT NOT NULL,
  instance TEXT NOT NULL,
  origin TEXT NOT NULL,
  from_revision INTEGER,
  configs INTEGER NOT NULL,
  added INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  removed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  revision INTEGER NOT NULL,
  ref TEXT NOT NULL,
  hash TEXT NOT NULL,
  inherits TEXT,
  source TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (revision, ref)
);
CREATE INDEX IF NOT EXISTS entries_by_hash ON entries (hash);
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER NOT NULL,
  ref TEXT NOT NULL,
  change TEXT NOT NULL,
  hash TEXT NOT NULL,
  previous_hash TEXT,
  PRIMARY KEY (revision, ref)
);
CREATE TABLE IF NOT EXISTS contents (
  hash TEXT PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revision_facts (
  revision INTEGER PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fact_changes (
  revision INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS cluster_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kubernetes_version TEXT
);
`

/** The scope's pointers: its newest, served and published revisions, and the publish state. */
export interface ScopeMeta {
  readonly scope: string
  readonly head: number
  readonly served: number
  readonly pinned: boolean
  /** The revision KV holds (0: none yet). */
  readonly published: number
  readonly publishedAt?: string
  /** When the last KV write went out (ms), for KV's one write per second to a key. */
  readonly writeMs: number
  /** Publish attempts that failed in a row. */
  readonly failures: number
}

/** A config of a stored revision. */
export interface StoredEntry extends EntryRecord {
  readonly updatedAt: string
}

/** A config to record: its JSON when the content may be new, none when the revision copies another. */
export interface CommitEntry extends EntryRecord {
  readonly ref: string
  readonly json?: string
}

/** A revision to record, and whether the scope serves it. */
export interface Commit {
  readonly entries: readonly CommitEntry[]
  /** The head revision's configs, which `diff` was computed against. */
  readonly previous: ReadonlyMap<string, StoredEntry>
  readonly diff: RevisionDiff
  readonly pusher: Pusher
  readonly origin: RevisionOrigin
  readonly from?: number
  readonly atMs: number
  /** Serve it (unpinned push, rollback, unpin); a push to a pinned scope is only recorded. */
  readonly serve: boolean
  /** Pin or unpin the scope with this revision; unchanged when undefined. */
  readonly pinned?: boolean
  /** What the relay reported of its cluster with this revision (labels, namespace defaults). */
  readonly facts?: ClusterFactsPush
}

type MetaRow = {
  scope: string
  head: number
  served: number
  pinned: number
  published: number
  published_at: string | null
  write_ms: number
  failures: number
}

// A revision's row, and whether it changed the cluster's facts.
const SUMMARY_SELECT = `SELECT r.*, f.revision IS NOT NULL AS facts_changed
  FROM revisions r LEFT JOIN fact_changes f ON f.revision = r.revision`

type RevisionRow = {
  revision: number
  facts_changed: number
  at: string
  token: string
  instance: string
  origin: string
  from_revision: number | null
  configs: number
  added: number
  changed: number
  removed: number
}

type EntryRow = {
  ref: string
  hash: string
  inherits: string | null
  source: string
  updated_at: string
}

/** Reads and writes a scope's history; every method is synchronous SQLite, so each is atomic. */
export class ScopeHistory {
  readonly #sql: SqlStorage
  readonly #transaction: <T>(work: () => T) => T

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
    this.#transaction = (work) => storage.transactionSync(work)
    this.#sql.exec(SCHEMA)
  }

  /** The scope's pointers; a scope never written has revision 0 everywhere. */
  meta(scope: string): ScopeMeta {
    const row = this.#sql.exec<MetaRow>('SELECT * FROM scope_state WHERE id = 1').toArray()[0]
    if (row === undefined) {
      return { scope, head: 0, served: 0, pinned: false, published: 0, writeMs: 0, failures: 0 }
    }
    // One object per scope (idFromName): a call naming another scope is a wiring mistake.
    if (row.scope !== scope) {
      throw new Error(`this object holds scope "${row.scope}", not "${scope}"`)
    }
    return {
      scope: row.scope,
      head: row.head,
      served: row.served,
      pinned: row.pinned === 1,
      published: row.published,
      ...(row.published_at === null ? {} : { publishedAt: row.published_at }),
      writeMs: row.write_ms,
      failures: row.failures,
    }
  }

  /** The scope this object was first written for, if any (the alarm has no other way to know). */
  storedScope(): string | undefined {
    return this.#sql.exec<{ scope: string }>('SELECT scope FROM scope_state').toArray()[0]?.scope
  }

  /** Updates the publish state. */
  setPublishState(
    update: Partial<Pick<ScopeMeta, 'published' | 'publishedAt' | 'writeMs' | 'failures'>>,
  ): void {
    const now = this.#sql.exec<MetaRow>('SELECT * FROM scope_state WHERE id = 1').one()
    this.#sql.exec(
      'UPDATE scope_state SET published = ?, published_at = ?, write_ms = ?, failures = ? WHERE id = 1',
      update.published ?? now.published,
      update.publishedAt ?? now.published_at,
      update.writeMs ?? now.write_ms,
      update.failures ?? now.failures,
    )
  }

  /** Pins or unpins the scope without a new revision. */
  setPinned(pinned: boolean): void {
    this.#sql.exec('UPDATE scope_state SET pinned = ? WHERE id = 1', pinned ? 1 : 0)
  }

  /** The configs of a revision by `name:version` (empty for revision 0). */
  entries(revision: number): Map<string, StoredEntry> {
    const rows = this.#sql.exec<EntryRow>(
      'SELECT ref, hash, inherits, source, updated_at FROM entries WHERE revision = ?',
      revision,
    )
    const entries = new Map<string, StoredEntry>()
    for (const row of rows) {
      entries.set(row.ref, {
        hash: row.hash,
        ...(row.inherits === null ? {} : { inherits: row.inherits }),
        source: JSON.parse(row.source) as ConfigSource,
        updatedAt: row.updated_at,
      })
    }
    return entries
  }

  /** Records a revision in one transaction; returns its number. */
  commit(scope: string, commit: Commit): number {
    return this.#transaction(() => {
      const meta = this.meta(scope)
      const revision = meta.head + 1
      const at = new Date(commit.atMs).toISOString()
      const { diff, previous } = commit
      this.#sql.exec(
        'INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        revision,
        at,
        commit.atMs,
        commit.pusher.token,
        commit.pusher.instance,
        commit.origin,
        commit.from ?? null,
        commit.entries.length,
        diff.added.length,
        diff.changed.length,
        diff.removed.length,
      )
      for (const entry of commit.entries) {
        const before = previous.get(entry.ref)
        // When this name:version last got new content: kept while the content stays.
        const updatedAt = before?.hash === entry.hash ? before.updatedAt : at
        this.#sql.exec(
          'INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)',
          revision,
          entry.ref,
          entry.hash,
          entry.inherits ?? null,
          JSON.stringify(entry.source),
          updatedAt,
        )
        if (entry.json !== undefined && before?.hash !== entry.hash) {
          this.#sql.exec('INSERT OR IGNORE INTO contents VALUES (?, ?)', entry.hash, entry.json)
        }
      }
      for (const [change, list] of [
        ['added', diff.added],
        ['changed', diff.changed],
        ['removed', diff.removed],
      ] as const) {
        for (const item of list) {
          const previousHash = 'previousHash' in item ? item.previousHash : null
          this.#sql.exec(
            'INSERT INTO changes VALUES (?, ?, ?, ?, ?)',
            revision,
            item.ref,
            change,
            item.hash,
            previousHash,
          )
        }
      }
      const facts = commit.facts ?? {}
      if (!sameClusterFacts(this.facts(meta.head), facts)) {
        this.#sql.exec('INSERT INTO fact_changes VALUES (?)', revision)
      }
      if (commit.facts !== undefined && !isEmptyClusterFacts(commit.facts)) {
        this.#sql.exec(
          'INSERT INTO revision_facts VALUES (?, ?)',
          revision,
          JSON.stringify(commit.facts),
        )
      }
      const served = commit.serve ? revision : meta.served
      const pinned = commit.pinned ?? meta.pinned
      this.#sql.exec(
        `INSERT INTO scope_state VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET head = excluded.head, served = excluded.served,
           pinned = excluded.pinned`,
        scope,
        revision,
        served,
        pinned ? 1 : 0,
        meta.published,
        meta.publishedAt ?? null,
        meta.writeMs,
        meta.failures,
      )
      return revision
    })
  }

  /** What the relay reported of its cluster with a revision: `{}` when nothing (or revision 0). */
  facts(revision: number): ClusterFactsPush {
    const row = this.#sql
      .exec<{ json: string }>('SELECT json FROM revision_facts WHERE revision = ?', revision)
      .toArray()[0]
    return row === undefined ? {} : (JSON.parse(row.json) as ClusterFactsPush)
  }

  /** The Kubernetes version the cluster's heartbeat last reported, if any. */
  kubernetesVersion(): string | undefined {
    const row = this.#sql
      .exec<{ kubernetes_version: string | null }>(
        'SELECT kubernetes_version FROM cluster_state WHERE id = 1',
      )
      .toArray()[0]
    return row?.kubernetes_version ?? undefined
  }

  /** Records the reported Kubernetes version (undefined: no longer known). */
  setKubernetesVersion(version: string | undefined): void {
    this.#sql.exec(
      `INSERT INTO cluster_state VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET kubernetes_version = excluded.kubernetes_version`,
      version ?? null,
    )
  }

  /** Creates the scope's pointers at revision 0 if it has none, so a publish can be recorded. */
  ensureState(scope: string): void {
    const meta = this.meta(scope)
    this.#sql.exec(
      'INSERT OR IGNORE INTO scope_state VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)',
      scope,
      meta.head,
      meta.served,
      meta.pinned ? 1 : 0,
      meta.published,
      meta.publishedAt ?? null,
      meta.writeMs,
      meta.failures,
    )
  }

  /** The summary of one revision, if kept. */
  summary(revision: number, served: number): RevisionSummary | undefined {
    const row = this.#sql
      .exec<RevisionRow>(`${SUMMARY_SELECT} WHERE r.revision = ?`, revision)
      .toArray()[0]
    return row === undefined ? undefined : summaryOf(row, served)
  }

  /** At most `limit` summaries older than `before`, newest first, and whether more exist. */
  summaries(
    served: number,
    limit: number,
    before: number | undefined,
  ): { revisions: RevisionSummary[]; more: boolean } {
    const rows = this.#sql
      .exec<RevisionRow>(
        `${SUMMARY_SELECT} WHERE r.revision < ? ORDER BY r.revision DESC LIMIT ?`,
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray()
    return {
      revisions: rows.slice(0, limit).map((r) => summaryOf(r, served)),
      more: rows.length > limit,
    }
  }

  /** The oldest revision kept (0 when none). */
  oldest(): number {
    const row = this.#sql
      .exec<{ oldest: number | null }>('SELECT MIN(revision) AS oldest FROM revisions')
      .one()
    return row.oldest ?? 0
  }

  /** The newest revision a push made, if one is kept: what an unpin serves. */
  latestPush(): number | undefined {
    const row = this.#sql
      .exec<{ latest: number | null }>(
        "SELECT MAX(revision) AS latest FROM revisions WHERE origin = 'push'",
      )
      .one()
    return row.latest ?? undefined
  }

  /** What a revision changed against the one before it. */
  diff(revision: number): RevisionDiff {
    const rows = this.#sql.exec<{
      ref: string
      change: string
      hash: string
      previous_hash: string | null
    }>(
      'SELECT ref, change, hash, previous_hash FROM changes WHERE revision = ? ORDER BY ref',
      revision,
    )
    const diff = { added: [], changed: [], removed: [] } as {
      added: RevisionDiff['added'][number][]
      changed: RevisionDiff['changed'][number][]
      removed: RevisionDiff['removed'][number][]
    }
    for (const row of rows) {
      if (row.change === 'changed') {
        diff.changed.push({ ref: row.ref, hash: row.hash, previousHash: row.previous_hash ?? '' })
      } else if (row.change === 'added') diff.added.push({ ref: row.ref, hash: row.hash })
      else diff.removed.push({ ref: row.ref, hash: row.hash })
    }
    return diff
  }

  /** A revision's configs as the history shows them, sorted by `name:version`. */
  entryList(revision: number): RevisionEntry[] {
    return [...this.entries(revision)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ref, entry]) => ({ ref, ...entry }))
  }

  /** A revision's configs with their JSON, sorted by `name:version`: what its snapshot holds. */
  snapshotConfigs(revision: number): SnapshotConfig[] {
    const rows = this.#sql.exec<EntryRow & { json: string }>(
      `SELECT e.ref, e.hash, e.inherits, e.source, e.updated_at, c.json
       FROM entries e JOIN contents c ON c.hash = e.hash
       WHERE e.revision = ? ORDER BY e.ref`,
      revision,
    )
    return [...rows].map((row) => ({
      ref: row.ref,
      hash: row.hash,
      ...(row.inherits === null ? {} : { inherits: row.inherits }),
      source: JSON.parse(row.source) as ConfigSource,
      updatedAt: row.updated_at,
      json: row.json,
    }))
  }

  /**
   * Lets go of the revisions retention does not keep, and of the contents no kept revision
   * names; `keep` are never let go. Returns the revisions deleted.
   */
  prune(policy: RetentionPolicy, nowMs: number, keep: readonly number[]): number[] {
    const recorded = this.#sql
      .exec<{ revision: number; at_ms: number }>('SELECT revision, at_ms FROM revisions')
      .toArray()
      .map((r) => ({ revision: r.revision, atMs: r.at_ms }))
    const expired = selectExpiredRevisions(recorded, policy, nowMs, keep)
    if (expired.length === 0) return []
    this.#transaction(() => {
      for (const revision of expired) {
        for (const table of ['revisions', 'entries', 'changes', 'revision_facts', 'fact_changes']) {
          this.#sql.exec(`DELETE FROM ${table} WHERE revision = ?`, revision)
        }
      }
      this.#sql.exec('DELETE FROM contents WHERE hash NOT IN (SELECT hash FROM entries)')
    })
    return expired
  }
}

function summaryOf(row: RevisionRow, served: number): RevisionSummary {
  return {
    revision: row.revision,
    at: row.at,
    token: row.token as PusherToken,
    instance: row.instance,
    origin: row.origin as RevisionOrigin,
    ...(row.from_revision === null ? {} : { from: row.from_revision }),
    configs: row.configs,
    added: row.added,
    changed: row.changed,
    removed: row.removed,
    ...(row.facts_changed === 1 ? { factsChanged: true } : {}),
    served: row.revision === served,
  }
}
