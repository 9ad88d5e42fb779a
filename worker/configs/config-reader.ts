import { SHARED_SCOPE } from '../../shared/cluster-name.ts'
import type { ConfigLookup, SidecarConfig, SidecarRef } from '../../shared/types.ts'
import { createByteCache } from './byte-cache.ts'
import type { ConfigStore } from './config-store.ts'
import type { Snapshot, SnapshotFacts } from './snapshot.ts'
import {
  createSnapshotLookup,
  PARSED_CONFIG_FACTOR,
  type ResolvedConfigs,
} from './snapshot-lookup.ts'

/** Counts the KV calls of one admission, also when it is cut off by the deadline. */
export interface ReadStats {
  kvOps: number
}

/**
 * A lookup over a cluster's scopes, carrying the facts of its own scope's snapshot header (its
 * labels, namespace defaults and Kubernetes version): read with the configs, at no extra cost.
 */
export type ClusterLookup = ConfigLookup & { readonly facts: SnapshotFacts | undefined }

/** Reads configs for a cluster in at most one KV operation, from memory when warm. */
export interface ConfigReader {
  /**
   * The lookup for `refs` from memory alone, with no KV call and no promise: defined while the
   * snapshots of the cluster's scopes are held and within their TTL.
   */
  cached(cluster: string, refs: readonly SidecarRef[]): ClusterLookup | undefined
  /**
   * Reads the snapshots of the cluster's scopes that are not fresh, in one bulk get; the lookup
   * then answers synchronously for any config of those scopes.
   */
  load(cluster: string, refs: readonly SidecarRef[], stats: ReadStats): Promise<ClusterLookup>
  /** Marks a scope's held snapshot stale (a push changed it), so the next admission reads KV. */
  forget(scope: string): void
  /** Estimated bytes the cache holds now (at most the bound). */
  cacheBytes(): number
}

export interface ConfigReaderOptions {
  readonly store: ConfigStore
  /** How long a snapshot read from KV is trusted. */
  readonly ttlMs: number
  readonly now: () => number
  /** Bound of the cache: snapshot texts and parsed configs (`INJECTOR_CACHE_MAX_BYTES`). */
  readonly maxBytes: number
  /**
   * How long a read of a scope by one request spares the others of the isolate a read of their
   * own (a scope may be megabytes): they serve the snapshot they hold, or, holding none, wait
   * for that read. The admission deadline: a read older than that was given up by its request.
   */
  readonly readWindowMs: number
}

// How often a request checks whether another request's read of a scope has landed.
const POLL_MS = 5

type Held =
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot; readonly readAt: number }
  | { readonly kind: 'config'; readonly config: SidecarConfig }

/**
 * Builds a reader whose cache lives as long as the reader (one per isolate). The cache holds
 * snapshots by scope and resolved configs by the content hashes of their inherits chain, so
 * two clusters that resolve the same chain share one entry, and nothing is kept per cluster.
 */
export function createConfigReader(options: ConfigReaderOptions): ConfigReader {
  const { store, ttlMs, now, readWindowMs } = options
  const cache = createByteCache<Held>(options.maxBytes)

  // Lookup order: the cluster's own scope, then the fleet scope.
  const scopesOf = (cluster: string): readonly string[] =>
    cluster === SHARED_SCOPE ? [SHARED_SCOPE] : [cluster, SHARED_SCOPE]

  const held = (scope: string): { snapshot: Snapshot; readAt: number } | undefined => {
    const entry = cache.get(`s/${scope}`)
    return entry?.kind === 'snapshot' ? entry : undefined
  }
  const fresh = (scope: string): Snapshot | undefined => {
    const entry = held(scope)
    return entry !== undefined && now() - entry.readAt < ttlMs ? entry.snapshot : undefined
  }
  const keep = (scope: string, snapshot: Snapshot, readAt = now()): void => {
    // A snapshot over the bound is used by this request and not kept. Parsed configs are
    // evicted before any snapshot, which would cost a KV read to get back.
    const entry: Held = { kind: 'snapshot', snapshot, readAt }
    // The body is kept as text; the header is parsed, and counted as parsed configs are.
    const header = snapshot.length - snapshot.body.length
    const bytes = snapshot.body.length + header * PARSED_CONFIG_FACTOR
    cache.set(`s/${scope}`, entry, bytes, 'costly')
  }
  // Scopes a request of this isolate is reading now, since when.
  const reading = new Map<string, number>()
  const beingRead = (scope: string): boolean => {
    const since = reading.get(scope)
    return since !== undefined && now() - since < readWindowMs
  }
  // Waits, without awaiting the other request's promise, until `scope` is held or no longer
  // being read; bounded in polls too, should the clock stand still.
  const awaitRead = async (scope: string): Promise<void> => {
    for (let polls = 0; polls * POLL_MS < readWindowMs; polls++) {
      if (held(scope) !== undefined || !beingRead(scope)) return
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  // Resolved configs live in the same cache, evicted before any snapshot.
  const resolved: ResolvedConfigs = {
    get: (key) => {
      const entry = cache.get(key)
      return entry?.kind === 'config' ? entry.config : undefined
    },
    set: (key, config, bytes) => {
      cache.set(key, { kind: 'config', config }, bytes, 'cheap')
    },
  }
  // The cluster's own scope comes first; its header holds the cluster's facts.
  const lookupOver = (snapshots: readonly Snapshot[]): ClusterLookup =>
    Object.assign(createSnapshotLookup(snapshots, resolved), {
      facts: snapshots[0]?.header.facts,
    })

  return {
    cached(cluster) {
      const snapshots: Snapshot[] = []
      for (const scope of scopesOf(cluster)) {
        const snapshot = fresh(scope)
        if (snapshot === undefined) return undefined
        snapshots.push(snapshot)
      }
      // The decision runs synchronously on this lookup, over snapshots it holds itself.
      return lookupOver(snapshots)
    },
    async load(cluster, _refs, stats) {
      const scopes = scopesOf(cluster)
      // Holding nothing while another request reads the scope: wait for that read. No await
      // otherwise, so a request that reads marks its scopes before any other request runs.
      const waits = scopes.filter((s) => held(s) === undefined && beingRead(s))
      if (waits.length > 0) await Promise.all(waits.map(awaitRead))
      const found = new Map<string, Snapshot>()
      const stale: string[] = []
      for (const scope of scopes) {
        const last = held(scope)
        // Past its TTL while another request re-reads it, the held snapshot still serves.
        if (last !== undefined && (now() - last.readAt < ttlMs || beingRead(scope))) {
          found.set(scope, last.snapshot)
        } else stale.push(scope)
      }
      if (stale.length > 0) {
        // Each request reads for itself: in workerd a promise started by one request cannot be
        // awaited by another once the first has ended, so a shared read could strand them all.
        stats.kvOps++
        const started = now()
        for (const scope of stale) reading.set(scope, started)
        try {
          const read = await store.readSnapshots(stale)
          for (const [scope, snapshot] of read) {
            keep(scope, snapshot)
            found.set(scope, snapshot)
          }
        } catch (error) {
          // Stale beats nothing: a warm isolate keeps injecting what it last read while KV fails.
          for (const scope of stale) {
            const last = held(scope)
            if (last === undefined) throw error
            found.set(scope, last.snapshot)
          }
        } finally {
          for (const scope of stale) {
            if (reading.get(scope) === started) reading.delete(scope)
          }
        }
      }
      return lookupOver(
        scopes.map((scope) => {
          const snapshot = found.get(scope)
          if (snapshot === undefined) throw new Error(`snapshot of scope "${scope}" was not read`)
          return snapshot
        }),
      )
    },
    forget(scope) {
      // Kept as read long ago: the next admission reads KV, and one that cannot still has it.
      const entry = held(scope)
      if (entry !== undefined) keep(scope, entry.snapshot, Number.NEGATIVE_INFINITY)
    },
    cacheBytes: () => cache.bytes(),
  }
}
