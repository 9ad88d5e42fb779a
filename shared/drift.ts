import type { DriftCounts, PodCount, PodDriftRow, PodSummary } from './fleet-api.ts'
import { SHORT_HASH_LENGTH } from './injected-annotation.ts'

/** The full content hash a cluster's view serves for `name:version` now, if any. */
export type ServedHash = (config: string) => string | undefined

/**
 * Compares what pods were stamped with against what the view serves now: a pod whose stamp
 * names another hash of a config still served runs an older sidecar (drifted); one whose
 * config is gone from the view is `unserved`.
 */
export function compareToServed(
  byConfig: PodSummary['byConfig'],
  served: ServedHash,
): { rows: PodDriftRow[]; drift: DriftCounts } {
  let current = 0
  let drifted = 0
  let unserved = 0
  const rows = byConfig.map(({ config, hash, pods }): PodDriftRow => {
    const now = served(config)?.slice(0, SHORT_HASH_LENGTH)
    if (now === undefined) {
      unserved += pods
      return { config, hash, pods, state: 'unserved' }
    }
    const state = now === hash ? 'current' : 'drifted'
    if (state === 'current') current += pods
    else drifted += pods
    return { config, hash, pods, served: now, state }
  })
  return { rows, drift: { current, drifted, unserved } }
}

/** Sums report rows over namespaces, per `config@hash`, most pods first (ties by name). */
export function sumPodCounts(counts: readonly PodCount[]): PodSummary['byConfig'] {
  const sums = new Map<string, { config: string; hash: string; pods: number }>()
  for (const { config, hash, pods } of counts) {
    const key = `${config}@${hash}`
    const known = sums.get(key)
    if (known === undefined) sums.set(key, { config, hash, pods })
    else known.pods += pods
  }
  return [...sums.values()].sort(
    (a, b) => b.pods - a.pods || (`${a.config}@${a.hash}` < `${b.config}@${b.hash}` ? -1 : 1),
  )
}
