import { checkConfigSet } from '../../shared/config-set.ts'
import type { ConfigSource, IngestRequest, IngestResult } from '../../shared/ingest-api.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import { hashContent } from './content-hash.ts'
import {
  encodeSnapshot,
  type Snapshot,
  type SnapshotConfig,
  type SnapshotHeader,
} from './snapshot.ts'

/** What an ingest would change: the per-entry verdicts, and the scope's next snapshot. */
export interface IngestPlan {
  readonly results: readonly IngestResult[]
  readonly stored: readonly string[]
  readonly removed: readonly string[]
  /** The set equals what the scope holds: nothing to write, and no snapshot built. */
  readonly unchanged: boolean
  /** The next snapshot and its text, when the set changed. */
  readonly next?: { readonly snapshot: Snapshot; readonly text: string }
}

export interface IngestPlanOptions {
  readonly scope: string
  readonly request: IngestRequest
  readonly previous: SnapshotHeader
  readonly allowHostAccess: boolean
  readonly maxConfigBytes: number
  /** Expanded JSON of the whole set; past it `ParseBudgetExceeded` is thrown. */
  readonly maxSetBytes: number
  readonly now: string
}

/** Validates every entry and computes the scope's next state: exactly the accepted entries. */
export async function planIngest(options: IngestPlanOptions): Promise<IngestPlan> {
  const { request, previous, now } = options
  const checked = checkConfigSet(request.configs, {
    allowHostAccess: options.allowHostAccess,
    maxConfigBytes: options.maxConfigBytes,
    maxSetBytes: options.maxSetBytes,
  })
  const accepted: (SnapshotConfig & { readonly index: number })[] = []
  const jsons: string[] = []
  checked.forEach(({ verdict }) => {
    if (verdict.ok) jsons.push(JSON.stringify(verdict.config))
  })
  const hashes = await Promise.all(jsons.map(hashContent))
  checked.forEach(({ entry, verdict }, index) => {
    if (!verdict.ok) return
    const n = accepted.length
    const json = jsons[n] ?? ''
    const hash = hashes[n] ?? ''
    const before = Object.hasOwn(previous.entries, verdict.ref)
      ? previous.entries[verdict.ref]
      : undefined
    const inherits = verdict.config.inherits
    accepted.push({
      index,
      ref: verdict.ref,
      json,
      hash,
      ...(inherits === undefined ? {} : { inherits: formatSidecarRef(inherits) }),
      source: entry.source,
      updatedAt: before?.hash === hash ? before.updatedAt : now,
    })
  })
  const byIndex = new Map(accepted.map((a) => [a.index, a]))
  const results = checked.map(({ entry, verdict }, index): IngestResult => {
    if (!verdict.ok) {
      const { ok: _ok, ...rejected } = verdict
      return { index, status: 'rejected', ...rejected, source: entry.source }
    }
    const kept = byIndex.get(index)
    if (kept === undefined) throw new Error(`ingest entry ${index} has no verdict`)
    return { index, status: 'accepted', ref: kept.ref, hash: kept.hash, source: entry.source }
  })
  // Sorted by name:version, so one set always makes the same snapshot.
  const configs = accepted.sort((a, b) => compare(a.ref, b.ref))
  const stored = configs.map((c) => c.ref)
  const named = new Set(stored)
  const removed = Object.keys(previous.entries)
    .filter((ref) => !named.has(ref))
    .sort(compare)
  if (removed.length === 0 && configs.every((c) => sameEntry(previous, c))) {
    return { results, stored, removed, unchanged: true }
  }
  const next = encodeSnapshot(
    options.scope,
    now,
    configs.map(({ index: _index, ...config }) => config),
  )
  return { results, stored, removed, unchanged: false, next }
}

// resourceVersion changes whenever any key of the ConfigMap changes; alone it is not worth a write.
function sameEntry(previous: SnapshotHeader, config: SnapshotConfig): boolean {
  const before = Object.hasOwn(previous.entries, config.ref)
    ? previous.entries[config.ref]
    : undefined
  return (
    before !== undefined &&
    before.hash === config.hash &&
    before.inherits === config.inherits &&
    JSON.stringify(withoutVersion(before.source)) === JSON.stringify(withoutVersion(config.source))
  )
}

function withoutVersion(source: ConfigSource): ConfigSource {
  if (source.kind !== 'ConfigMap') return source
  const { resourceVersion: _ignored, ...rest } = source
  return rest
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
