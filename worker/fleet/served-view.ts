import { SHARED_SCOPE } from '../../shared/cluster-name.ts'
import type { ServedHash } from '../../shared/drift.ts'
import type { ConfigStore } from '../configs/config-store.ts'
import { type Snapshot, snapshotEntry } from '../configs/snapshot.ts'

/** What a cluster's view serves now: each config's content hash, its own scope first. */
export interface ServedView {
  readonly hashOf: ServedHash
  /** Configs the view serves: its own scope's and `shared`'s, a name in both counted once. */
  readonly configs: number
}

// Scopes read per KV call: a bulk get takes at most 100 keys, and snapshots may be megabytes,
// so a few at a time keeps the fleet view's memory bounded however many clusters there are.
const SCOPES_PER_READ = 8

/**
 * Reads the views of `clusters` from the snapshots KV serves (headers only are kept): one KV
 * operation per 8 clusters, `shared` read once. Drift is counted against these.
 */
export async function readServedViews(
  store: ConfigStore,
  clusters: readonly string[],
): Promise<Map<string, ServedView>> {
  const views = new Map<string, ServedView>()
  if (clusters.length === 0) return views
  const own = clusters.filter((c) => c !== SHARED_SCOPE)
  // The first read takes `shared` along with the first batch of clusters.
  const first = await store.readSnapshots([...own.slice(0, SCOPES_PER_READ), SHARED_SCOPE])
  const shared = first.get(SHARED_SCOPE)
  for (let i = 0; i < own.length; i += SCOPES_PER_READ) {
    const batch = own.slice(i, i + SCOPES_PER_READ)
    const read = i === 0 ? first : await store.readSnapshots(batch)
    for (const cluster of batch) views.set(cluster, viewOver(read.get(cluster), shared))
  }
  if (clusters.includes(SHARED_SCOPE)) views.set(SHARED_SCOPE, viewOver(undefined, shared))
  return views
}

function viewOver(own: Snapshot | undefined, shared: Snapshot | undefined): ServedView {
  const snapshots = [own, shared].filter((s) => s !== undefined)
  const names = new Set<string>()
  for (const snapshot of snapshots)
    for (const ref of Object.keys(snapshot.header.entries)) names.add(ref)
  return {
    configs: names.size,
    hashOf: (config) => {
      for (const snapshot of snapshots) {
        const entry = snapshotEntry(snapshot, config)
        if (entry !== undefined) return entry.hash
      }
      return undefined
    },
  }
}

/** The views, or none when KV cannot be read: status is then shown without drift, and says so in the log. */
export async function readServedViewsOrNone(
  store: ConfigStore,
  clusters: readonly string[],
): Promise<Map<string, ServedView>> {
  try {
    return await readServedViews(store, clusters)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(JSON.stringify({ event: 'served_view_unreadable', message }))
    return new Map()
  }
}
