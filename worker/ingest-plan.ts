import { checkConfigSet } from '../shared/config-set.ts'
import type { ConfigSource, IngestRequest, IngestResult } from '../shared/ingest-api.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import { hashContent } from './content-hash.ts'
import { type Manifest, type ManifestEntry, RETIRED_VALUE_GRACE_MS } from './kv-layout.ts'

/** What an ingest would change: the per-entry verdicts, the next manifest and the values to write. */
export interface IngestPlan {
  readonly results: readonly IngestResult[]
  readonly entries: Readonly<Record<string, ManifestEntry>>
  /** Config values (JSON text by hash) the previous manifest did not reference. */
  readonly newValues: ReadonlyMap<string, string>
  readonly stored: readonly string[]
  readonly removed: readonly string[]
  /** Hashes the next manifest stops naming, by the ISO time they were first left out. */
  readonly retired: Readonly<Record<string, string>>
  /** Retired hashes past their grace, to delete once the next manifest is published. */
  readonly expired: readonly string[]
  /** The set equals what the manifest holds: nothing to write. */
  readonly unchanged: boolean
}

export interface IngestPlanOptions {
  readonly request: IngestRequest
  readonly previous: Manifest
  readonly allowHostAccess: boolean
  readonly now: string
}

interface Accepted {
  readonly index: number
  readonly ref: string
  readonly json: string
  readonly inherits?: string
  readonly source: ConfigSource
}

/** Validates every entry and computes the scope's next state: exactly the accepted entries. */
export async function planIngest(options: IngestPlanOptions): Promise<IngestPlan> {
  const { request, previous, allowHostAccess, now } = options
  const checked = checkConfigSet(request.configs, { allowHostAccess })
  const kept: Accepted[] = []
  checked.forEach(({ entry, verdict }, index) => {
    if (!verdict.ok) return
    const inherits = verdict.config.inherits
    kept.push({
      index,
      ref: verdict.ref,
      json: JSON.stringify(verdict.config),
      source: entry.source,
      ...(inherits === undefined ? {} : { inherits: formatSidecarRef(inherits) }),
    })
  })
  const hashes = await Promise.all(kept.map((a) => hashContent(a.json)))
  const entries: Record<string, ManifestEntry> = {}
  const newValues = new Map<string, string>()
  const known = new Set(Object.values(previous.entries).map((e) => e.hash))
  const resultOf = new Map<number, IngestResult>()
  kept.forEach((a, i) => {
    const hash = hashes[i] ?? ''
    const before = previous.entries[a.ref]
    entries[a.ref] = {
      hash,
      ...(a.inherits === undefined ? {} : { inherits: a.inherits }),
      source: a.source,
      updatedAt: before?.hash === hash ? before.updatedAt : now,
    }
    if (!known.has(hash)) newValues.set(hash, a.json)
    resultOf.set(a.index, {
      index: a.index,
      status: 'accepted',
      ref: a.ref,
      hash,
      source: a.source,
    })
  })
  const results = checked.map(({ entry, verdict }, index): IngestResult => {
    if (!verdict.ok) {
      const { ok: _ok, ...rejected } = verdict
      return { index, status: 'rejected', ...rejected, source: entry.source }
    }
    const result = resultOf.get(index)
    if (result === undefined) throw new Error(`ingest entry ${index} has no verdict`)
    return result
  })
  const { retired, expired } = retire(previous, entries, now)
  const stored = Object.keys(entries).sort()
  const removed = Object.keys(previous.entries)
    .filter((ref) => !(ref in entries))
    .sort()
  return {
    results,
    entries,
    newValues,
    stored,
    removed,
    retired,
    expired,
    unchanged: sameEntries(previous.entries, entries),
  }
}

/**
 * Which values the next manifest leaves behind: those it stops naming start their grace now,
 * and retired ones past it expire. Decided from the next manifest alone, never deleting a value
 * it names, so a stale read of the previous manifest can only delay a deletion.
 */
function retire(
  previous: Manifest,
  entries: Readonly<Record<string, ManifestEntry>>,
  now: string,
): { retired: Record<string, string>; expired: string[] } {
  const named = new Set(Object.values(entries).map((entry) => entry.hash))
  const retired: Record<string, string> = {}
  const expired: string[] = []
  for (const [hash, since] of Object.entries(previous.retired ?? {})) {
    if (named.has(hash)) continue
    if (Date.parse(now) - Date.parse(since) >= RETIRED_VALUE_GRACE_MS) expired.push(hash)
    else retired[hash] = since
  }
  for (const entry of Object.values(previous.entries)) {
    if (!named.has(entry.hash) && !expired.includes(entry.hash)) {
      retired[entry.hash] ??= now
    }
  }
  return { retired, expired }
}

// resourceVersion changes whenever any key of the ConfigMap changes; alone it is not worth a write.
function sameEntries(
  a: Readonly<Record<string, ManifestEntry>>,
  b: Readonly<Record<string, ManifestEntry>>,
): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((ref) => {
    const x = a[ref]
    const y = b[ref]
    return (
      x !== undefined &&
      y !== undefined &&
      x.hash === y.hash &&
      x.inherits === y.inherits &&
      JSON.stringify(withoutVersion(x.source)) === JSON.stringify(withoutVersion(y.source))
    )
  })
}

function withoutVersion(source: ConfigSource): ConfigSource {
  if (source.kind !== 'ConfigMap') return source
  const { resourceVersion: _ignored, ...rest } = source
  return rest
}
