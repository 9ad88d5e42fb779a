import type { ConfigSource } from '../shared/ingest-api.ts'
import type { ConfigStore } from './config-store.ts'

/**
 * KV layout. KV has no compare-and-set and propagates in ~60 s, so a scope is published by
 * writing one manifest key that points at immutable, content-addressed config values:
 *
 *   manifest/{scope}         -> Manifest (JSON): every name:version of the scope and its hash
 *   config/{scope}/{sha256}  -> the parsed SidecarConfig (JSON), written before a manifest
 *                               names it
 *
 * A reader that sees a manifest therefore never mixes two versions of a scope's set. A value
 * the scope's manifest stops naming is listed in the manifest's `retired`, and deleted by a
 * later write once RETIRED_VALUE_GRACE_MS have passed and the manifest still does not name it,
 * so a reader still holding an older manifest always finds its values. Deciding only from the
 * manifest being written keeps this safe even when the previous manifest was read stale.
 */
export interface Manifest {
  readonly version: 1
  readonly scope: string
  /** ISO time of the write: ingest refuses a second write within KV's ~1 write/s per key. */
  readonly writtenAt: string
  readonly entries: Readonly<Record<string, ManifestEntry>>
  /** Content hashes this scope stopped naming, with the ISO time it did; deleted after a grace. */
  readonly retired?: Readonly<Record<string, string>>
}

/** One config of a scope: where its content is, and the parent a reader must fetch with it. */
export interface ManifestEntry {
  readonly hash: string
  /** Canonical `name:version` of the parent, so both round trips can be planned from manifests. */
  readonly inherits?: string
  readonly source: ConfigSource
  /** When this name:version last got new content. */
  readonly updatedAt: string
}

/** KV key of a scope's manifest. */
export function manifestKey(scope: string): string {
  return `manifest/${scope}`
}

/** KV key of a config value of `scope` by its content hash. */
export function configKey(scope: string, hash: string): string {
  return `config/${scope}/${hash}`
}

/**
 * How long a value the manifest no longer names stays readable: far beyond the warm-cache TTL
 * (at most 300 s) plus KV's ~60 s propagation, so no reader of an older manifest misses it.
 */
export const RETIRED_VALUE_GRACE_MS = 24 * 60 * 60 * 1000

/** An empty manifest, as a scope that was never written reads. */
export function emptyManifest(scope: string): Manifest {
  return { version: 1, scope, writtenAt: new Date(0).toISOString(), entries: {} }
}

/** Parses a stored manifest; throws when it is not one (a corrupt value is a lookup failure). */
export function parseManifest(scope: string, text: string | null): Manifest {
  if (text === null) return emptyManifest(scope)
  const value: unknown = JSON.parse(text)
  if (
    typeof value !== 'object' ||
    value === null ||
    !('version' in value) ||
    value.version !== 1 ||
    !('entries' in value) ||
    typeof value.entries !== 'object' ||
    value.entries === null
  ) {
    throw new Error(`stored manifest of scope "${scope}" is not a version 1 manifest`)
  }
  return value as Manifest
}

/** KV's documented limit: one write per second to the same key. */
export const MIN_WRITE_GAP_MS = 1000

/** How long to wait before the next manifest write, given the last one; 0 when it may go now. */
export function writeGap(lastWriteMs: number, nowMs: number): number {
  const since = nowMs - (Number.isFinite(lastWriteMs) ? lastWriteMs : 0)
  return since >= MIN_WRITE_GAP_MS || since < 0 ? 0 : MIN_WRITE_GAP_MS - since
}

/** Reads one scope's manifest straight from KV (ingest and listing bypass the admission cache). */
export async function readManifest(store: ConfigStore, scope: string): Promise<Manifest> {
  const manifests = await store.readManifests([scope])
  const manifest = manifests.get(scope)
  if (manifest === undefined) throw new Error(`manifest of scope "${scope}" was not returned`)
  return manifest
}
