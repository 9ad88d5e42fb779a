import { SHARED_SCOPE } from '../shared/cluster-name.ts'
import { resolvingLookup } from '../shared/inheritance.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import type { ConfigLookup, SidecarConfig, SidecarRef } from '../shared/types.ts'
import type { ConfigStore, ValueRef } from './config-store.ts'
import type { Manifest } from './kv-layout.ts'

/** Counts the KV calls of one admission, also when it is cut off by the deadline. */
export interface ReadStats {
  kvOps: number
}

/** Reads configs for a cluster in at most two KV round trips, from memory when warm. */
export interface ConfigReader {
  /**
   * The lookup for `refs` from memory alone, with no KV call and no promise: defined while the
   * cluster's manifests are within their TTL and every value `refs` need is cached.
   */
  cached(cluster: string, refs: readonly SidecarRef[]): ConfigLookup | undefined
  /** Fetches what `refs` and their `inherits` chains need; the lookup then answers synchronously. */
  load(cluster: string, refs: readonly SidecarRef[], stats: ReadStats): Promise<ConfigLookup>
  /** Puts a manifest this isolate just wrote into the cache, so it reads its own writes. */
  remember(manifest: Manifest): void
}

export interface ConfigReaderOptions {
  readonly store: ConfigStore
  /** How long a manifest read from KV is trusted; content values are immutable and kept. */
  readonly ttlMs: number
  readonly now: () => number
}

// inherits chains are at most 10 deep (shared/inheritance.ts); one more step reports the error.
const MAX_CHAIN = 12
const MAX_CACHED_CONFIGS = 2000
const MAX_CACHED_CLUSTERS = 1000

/** Where a cluster finds one `name:version`: the first of its scopes that names it. */
interface Located extends ValueRef {
  readonly inherits: string | undefined
}

/** A cluster's view of its scopes' manifests, rebuilt only when one of them is replaced. */
interface ClusterView {
  readonly manifests: readonly (Manifest | undefined)[]
  readonly located: ReadonlyMap<string, Located>
  /**
   * The warm path's lookup over the isolate's value cache, each config resolved with its
   * inherits chain once per view: values are immutable by hash, and the view fixes the hashes.
   */
  readonly resolved: ConfigLookup
}

/** Builds a reader whose cache lives as long as the reader (one per isolate). */
export function createConfigReader(options: ConfigReaderOptions): ConfigReader {
  const { store, ttlMs, now } = options
  const manifests = new Map<string, { manifest: Manifest; readAt: number }>()
  const configs = new Map<string, SidecarConfig>()
  const views = new Map<string, ClusterView>()

  // Lookup order: the cluster's own scope, then the fleet scope.
  const scopesOf = (cluster: string): readonly string[] =>
    cluster === SHARED_SCOPE ? [SHARED_SCOPE] : [cluster, SHARED_SCOPE]

  const staleScopes = (scopes: readonly string[]): string[] => {
    const at = now()
    return scopes.filter((scope) => {
      const cached = manifests.get(scope)
      return cached === undefined || at - cached.readAt >= ttlMs
    })
  }

  const viewOf = (cluster: string): ClusterView => {
    const current = scopesOf(cluster).map((scope) => manifests.get(scope)?.manifest)
    const known = views.get(cluster)
    if (known?.manifests.every((m, i) => m === current[i])) return known
    const located = new Map<string, Located>()
    for (const manifest of current) {
      if (manifest === undefined) continue
      // Own entries only, so a ref never reaches the object's prototype; the first scope wins.
      for (const [ref, entry] of Object.entries(manifest.entries)) {
        if (located.has(ref)) continue
        located.set(ref, { scope: manifest.scope, hash: entry.hash, inherits: entry.inherits })
      }
    }
    const view = {
      manifests: current,
      located,
      resolved: resolvingLookup(lookupIn(located, configs)),
    }
    if (views.size >= MAX_CACHED_CLUSTERS) views.clear()
    views.set(cluster, view)
    return view
  }

  // Every value `refs` and their inherits chains name, by hash.
  const neededValues = (view: ClusterView, refs: readonly SidecarRef[]): Map<string, ValueRef> => {
    const needed = new Map<string, ValueRef>()
    for (const ref of refs) {
      let next: string | undefined = formatSidecarRef(ref)
      for (let depth = 0; next !== undefined && depth < MAX_CHAIN; depth++) {
        const entry = view.located.get(next)
        if (entry === undefined) break
        needed.set(entry.hash, entry)
        next = entry.inherits
      }
    }
    return needed
  }

  return {
    cached(cluster, refs) {
      if (staleScopes(scopesOf(cluster)).length > 0) return undefined
      const view = viewOf(cluster)
      for (const hash of neededValues(view, refs).keys()) {
        if (!configs.has(hash)) return undefined
      }
      // The decision runs synchronously on this lookup, so the value cache cannot change under it.
      return view.resolved
    },
    async load(cluster, refs, stats) {
      const stale = staleScopes(scopesOf(cluster))
      if (stale.length > 0) {
        // Each request reads for itself: in workerd a promise started by one request cannot be
        // awaited by another once the first has ended, so a shared read could strand them all.
        stats.kvOps++
        try {
          const read = await store.readManifests(stale)
          for (const [scope, manifest] of read) manifests.set(scope, { manifest, readAt: now() })
        } catch (error) {
          // Stale beats nothing: a warm isolate keeps injecting what it last read while KV fails.
          if (!stale.every((scope) => manifests.has(scope))) throw error
        }
      }
      // This request's own view and values: other requests may replace the shared ones meanwhile.
      const view = viewOf(cluster)
      const needed = neededValues(view, refs)
      const found = new Map<string, SidecarConfig>()
      for (const hash of needed.keys()) {
        const config = configs.get(hash)
        if (config !== undefined) found.set(hash, config)
      }
      const missing = [...needed.values()].filter((value) => !found.has(value.hash))
      if (missing.length > 0) {
        stats.kvOps++
        const read = await store.readConfigs(missing)
        for (const { hash } of missing) {
          const config = read.get(hash)
          // The manifest is written after its values, so a gap means storage is inconsistent.
          if (config === undefined) throw new Error(`stored config value ${hash} is missing`)
          if (configs.size >= MAX_CACHED_CONFIGS) configs.clear()
          configs.set(hash, config)
          found.set(hash, config)
        }
      }
      return lookupIn(view.located, found)
    },
    remember(manifest) {
      manifests.set(manifest.scope, { manifest, readAt: now() })
    },
  }
}

/** Answers a `name:version` with the value its located hash names, if `values` holds it. */
function lookupIn(
  located: ReadonlyMap<string, Located>,
  values: ReadonlyMap<string, SidecarConfig>,
): ConfigLookup {
  return (ref) => {
    const entry = located.get(formatSidecarRef(ref))
    return entry === undefined ? undefined : values.get(entry.hash)
  }
}
