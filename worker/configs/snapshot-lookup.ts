import { resolveSidecarConfig } from '../../shared/inheritance.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import type { ConfigLookup, SidecarConfig } from '../../shared/types.ts'
import { entryJson, type Snapshot, type SnapshotEntry, snapshotEntry } from './snapshot.ts'

/**
 * A parsed config takes several times the memory of its JSON text (objects, property maps,
 * strings in two-byte form); caches count it at this multiple of its text length.
 */
export const PARSED_CONFIG_FACTOR = 4

/** Resolved configs kept between requests, by the content hashes of their inherits chain. */
export interface ResolvedConfigs {
  get(key: string): SidecarConfig | undefined
  set(key: string, config: SidecarConfig, bytes: number): void
}

// inherits chains are at most 10 deep (shared/inheritance.ts); one more step reports the error.
const MAX_CHAIN = 12

/** The first snapshot, in lookup order, that holds a `name:version`, with its entry. */
interface Located {
  readonly snapshot: Snapshot
  readonly entry: SnapshotEntry
}

/**
 * A lookup over a cluster's snapshots (its own scope first), answering each config with its
 * inherits chain merged. A chain's content hashes fix its result, so `resolved` keeps results
 * across requests and clusters; configs are parsed from the snapshot text only when asked for.
 */
export function createSnapshotLookup(
  snapshots: readonly Snapshot[],
  resolved: ResolvedConfigs,
): ConfigLookup {
  const locate = (ref: string): Located | undefined => {
    for (const snapshot of snapshots) {
      const entry = snapshotEntry(snapshot, ref)
      if (entry !== undefined) return { snapshot, entry }
    }
    return undefined
  }
  const raw: ConfigLookup = (ref) => {
    const located = locate(formatSidecarRef(ref))
    if (located === undefined) return undefined
    return JSON.parse(entryJson(located.snapshot, located.entry)) as SidecarConfig
  }
  // The cache key of a chain that ends at a root, and its text length; none when broken.
  const chainOf = (start: Located): { key: string; length: number } | undefined => {
    const hashes: string[] = []
    let length = 0
    let next: Located | undefined = start
    while (next !== undefined) {
      if (hashes.length >= MAX_CHAIN || hashes.includes(next.entry.hash)) return undefined
      hashes.push(next.entry.hash)
      length += next.entry.at[1]
      const parent = next.entry.inherits
      if (parent === undefined) return { key: `c/${hashes.join('/')}`, length }
      next = locate(parent)
    }
    return undefined
  }
  // decideAdmission asks for a ref several times; each is resolved once per request.
  const answered = new Map<string, SidecarConfig | undefined>()
  const lookup: ConfigLookup = (ref) => {
    const name = formatSidecarRef(ref)
    if (answered.has(name)) return answered.get(name)
    const located = locate(name)
    let answer: SidecarConfig | undefined
    if (located !== undefined) {
      const chain = chainOf(located)
      const known = chain === undefined ? undefined : resolved.get(chain.key)
      if (known !== undefined) answer = known
      else {
        const result = resolveSidecarConfig(ref, raw)
        if (result.ok && chain !== undefined) {
          resolved.set(chain.key, result.config, chain.length * PARSED_CONFIG_FACTOR)
        }
        // A chain that fails is answered as stored, so the decision reports why.
        answer = result.ok ? result.config : raw(ref)
      }
    }
    answered.set(name, answer)
    return answer
  }
  // The hash the cluster's view serves for a config: what the pod is stamped with.
  const hashOf = (ref: string) => locate(ref)?.entry.hash
  return Object.assign(lookup, { hashOf })
}
