import { isEmptyClusterFacts, type StoredClusterFacts } from '../../shared/cluster-facts.ts'
import type { ConfigSource } from '../../shared/ingest-api.ts'
import { MAX_KUBERNETES_VERSION_LENGTH } from '../../shared/kubernetes-version.ts'
import { utf8Length } from '../../shared/parse-limits.ts'

/**
 * One config of a snapshot: where its JSON text is in the body, and what a reader needs to
 * plan without parsing it.
 */
export interface SnapshotEntry {
  /** Lowercase hex SHA-256 of the config's JSON text. */
  readonly hash: string
  /** Canonical `name:version` of the parent, so a chain is followed from headers alone. */
  readonly inherits?: string
  readonly source: ConfigSource
  /** When this name:version last got new content. */
  readonly updatedAt: string
  /** Offset and length of the JSON text in the body, in UTF-16 code units (JS string slices). */
  readonly at: readonly [number, number]
}

/** What the scope's snapshot says of its cluster (cluster scopes only). */
export type SnapshotFacts = StoredClusterFacts

/** The first line of a snapshot value. */
export interface SnapshotHeader {
  readonly format: 2
  readonly scope: string
  /** ISO time of the KV write. */
  readonly writtenAt: string
  /** The scope's revision this value holds; absent in values written before revisions. */
  readonly revision?: number
  /** Cluster scopes only, when known; values written before facts have none. */
  readonly facts?: SnapshotFacts
  readonly entries: Readonly<Record<string, SnapshotEntry>>
}

/**
 * A scope's configs as stored in one KV value: the header parsed, the body kept as text, and
 * each config parsed only when asked for, so memory follows the text size.
 */
export interface Snapshot {
  readonly header: SnapshotHeader
  readonly body: string
  /** Length of the whole value in UTF-16 code units: what the isolate's cache counts. */
  readonly length: number
}

/** A config to put in a snapshot, with its JSON text. */
export interface SnapshotConfig extends Omit<SnapshotEntry, 'at'> {
  readonly ref: string
  readonly json: string
}

/** The snapshot of a scope never written: no configs. */
export function emptySnapshot(scope: string): Snapshot {
  const header: SnapshotHeader = {
    format: 2,
    scope,
    writtenAt: new Date(0).toISOString(),
    entries: {},
  }
  return { header, body: '', length: 0 }
}

/**
 * Builds a scope's snapshot and its stored text: one header line of JSON (JSON text never holds
 * a raw newline, so the first `\n` ends it), then the configs' JSON texts, in `configs` order.
 */
export function encodeSnapshot(
  scope: string,
  writtenAt: string,
  configs: readonly SnapshotConfig[],
  revision?: number,
  facts?: SnapshotFacts,
): { snapshot: Snapshot; text: string } {
  const entries: Record<string, SnapshotEntry> = {}
  const parts: string[] = []
  let offset = 0
  for (const { ref, json, ...entry } of configs) {
    entries[ref] = { ...entry, at: [offset, json.length] }
    parts.push(json)
    offset += json.length
  }
  const header: SnapshotHeader = {
    format: 2,
    scope,
    writtenAt,
    ...(revision === undefined ? {} : { revision }),
    ...(facts === undefined || isEmptyClusterFacts(facts) ? {} : { facts }),
    entries,
  }
  const first = JSON.stringify(header)
  const text = `${first}\n${parts.join('')}`
  // The body as a slice of the text, so the snapshot kept in memory shares the text's storage.
  return { snapshot: { header, body: text.slice(first.length + 1), length: text.length }, text }
}

/**
 * The UTF-8 bytes of the snapshot `configs` make, without building it, for the scope limit
 * checked before a push is recorded: times are ISO strings of fixed length, and the revision is
 * counted at its widest, so the published value is never larger than this.
 */
export function snapshotBytes(
  scope: string,
  configs: readonly Omit<SnapshotConfig, 'updatedAt'>[],
  facts?: SnapshotFacts,
): number {
  const entries: Record<string, SnapshotEntry> = {}
  let offset = 0
  let body = 0
  for (const { ref, json, ...entry } of configs) {
    entries[ref] = { ...entry, updatedAt: ISO_WIDTH, at: [offset, json.length] }
    offset += json.length
    body += utf8Length(json)
  }
  const header = {
    format: 2,
    scope,
    writtenAt: ISO_WIDTH,
    revision: REVISION_WIDTH,
    // The version comes later, from heartbeats: counted at its widest.
    ...(facts === undefined ? {} : { facts: { ...facts, kubernetesVersion: VERSION_WIDTH } }),
    entries,
  }
  return utf8Length(JSON.stringify(header)) + 1 + body
}

// As wide as any ISO time of years 0 to 9999, and as any revision number below 10^15.
const ISO_WIDTH = new Date(0).toISOString()
const REVISION_WIDTH = 999_999_999_999_999
const VERSION_WIDTH = 'v'.repeat(MAX_KUBERNETES_VERSION_LENGTH)

/** Reads a stored snapshot's header and keeps its body; throws when it is not format 2. */
export function decodeSnapshot(scope: string, text: string | null): Snapshot {
  if (text === null) return emptySnapshot(scope)
  const end = text.indexOf('\n')
  const header: unknown = JSON.parse(end < 0 ? text : text.slice(0, end))
  if (
    typeof header !== 'object' ||
    header === null ||
    !('format' in header) ||
    header.format !== 2 ||
    !('entries' in header) ||
    typeof header.entries !== 'object' ||
    header.entries === null
  ) {
    throw new Error(`stored snapshot of scope "${scope}" is not a format 2 snapshot`)
  }
  return {
    header: header as SnapshotHeader,
    body: end < 0 ? '' : text.slice(end + 1),
    length: text.length,
  }
}

/** The entry of `ref` in a snapshot; own entries only, so a ref never reaches the prototype. */
export function snapshotEntry(snapshot: Snapshot, ref: string): SnapshotEntry | undefined {
  const { entries } = snapshot.header
  return Object.hasOwn(entries, ref) ? entries[ref] : undefined
}

/** The JSON text of one entry, cut from the body. */
export function entryJson(snapshot: Snapshot, entry: SnapshotEntry): string {
  const [offset, length] = entry.at
  return snapshot.body.slice(offset, offset + length)
}
