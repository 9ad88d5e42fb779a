import type { ConfigSource } from './ingest-api.ts'
import type { RevisionChange, RevisionDiff, RevisionRef } from './revision-api.ts'

/** What a revision holds for one `name:version`: its content hash, parent and source. */
export interface EntryRecord {
  readonly hash: string
  /** Canonical `name:version` of the parent. */
  readonly inherits?: string
  readonly source: ConfigSource
}

/** A scope's configs by `name:version`. */
export type EntrySet = ReadonlyMap<string, EntryRecord>

/**
 * Whether two sets hold the same configs: the same names, content hashes, parents and sources.
 * A ConfigMap's resourceVersion changes whenever any of its keys changes; alone it is no change.
 */
export function sameEntrySet(a: EntrySet, b: EntrySet): boolean {
  if (a.size !== b.size) return false
  for (const [ref, entry] of a) {
    const other = b.get(ref)
    if (other === undefined || !sameEntry(entry, other)) return false
  }
  return true
}

/**
 * What `after` changed against `before`, each list sorted by `name:version`: configs added,
 * configs whose content or source changed (a source move keeps the hash), configs removed.
 */
export function diffEntrySets(before: EntrySet, after: EntrySet): RevisionDiff {
  const added: RevisionRef[] = []
  const changed: RevisionChange[] = []
  const removed: RevisionRef[] = []
  for (const [ref, entry] of after) {
    const previous = before.get(ref)
    if (previous === undefined) added.push({ ref, hash: entry.hash })
    else if (!sameEntry(previous, entry)) {
      changed.push({ ref, hash: entry.hash, previousHash: previous.hash })
    }
  }
  for (const [ref, entry] of before) {
    if (!after.has(ref)) removed.push({ ref, hash: entry.hash })
  }
  const byRef = (x: RevisionRef, y: RevisionRef) => (x.ref < y.ref ? -1 : x.ref > y.ref ? 1 : 0)
  return { added: added.sort(byRef), changed: changed.sort(byRef), removed: removed.sort(byRef) }
}

function sameEntry(a: EntryRecord, b: EntryRecord): boolean {
  return (
    a.hash === b.hash &&
    a.inherits === b.inherits &&
    sourceKey(withoutVersion(a.source)) === sourceKey(withoutVersion(b.source))
  )
}

function withoutVersion(source: ConfigSource): ConfigSource {
  if (source.kind !== 'ConfigMap') return source
  const { resourceVersion: _ignored, ...rest } = source
  return rest
}

// Member order differs between a source decoded from a request and one read back from storage.
function sourceKey(source: ConfigSource): string {
  return source.kind === 'ConfigMap'
    ? JSON.stringify(['ConfigMap', source.namespace, source.name, source.key])
    : JSON.stringify(['File', source.path, source.document ?? null])
}
