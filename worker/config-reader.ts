import { SHARED_SCOPE } from '../shared/cluster-name.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import type { ConfigLookup, SidecarConfig, SidecarRef } from '../shared/types.ts'
import type { ConfigStore, ValueRef } from './config-store.ts'
import type { Manifest, ManifestEntry } from './kv-layout.ts'

/** Counts the KV calls of one admission, also when it is cut off by the deadline. */
export interface ReadStats {
  kvOps: number
}

/** Reads configs for a cluster in at most two KV round trips, from memory when warm. */
export interface ConfigReader {
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

/** Builds a reader whose cache lives as long as the reader (one per isolate). */
export function createConfigReader(options: ConfigReaderOptions): ConfigReader {
  const { store, ttlMs, now } = options
  const manifests = new Map<string, { manifest: Manifest; readAt: number }>()
  const configs = new Map<string, SidecarConfig>()
  return {
    async load(cluster, refs, stats) {
      // Lookup order: the cluster's own scope, then the fleet scope.
      const scopes = cluster === SHARED_SCOPE ? [SHARED_SCOPE] : [cluster, SHARED_SCOPE]
      const stale = scopes.filter((s) => {
        const cached = manifests.get(s)
        return cached === undefined || now() - cached.readAt >= ttlMs
      })
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
      const current = scopes.map((scope) => ({ scope, manifest: manifests.get(scope)?.manifest }))
      const find = (ref: string): (ManifestEntry & { readonly scope: string }) | undefined => {
        for (const { scope, manifest } of current) {
          // Own keys only: a ref never reaches the object's prototype.
          if (manifest !== undefined && Object.hasOwn(manifest.entries, ref)) {
            const entry = manifest.entries[ref]
            if (entry !== undefined) return { ...entry, scope }
          }
        }
        return undefined
      }
      const needed = new Map<string, ValueRef>()
      for (const ref of refs) {
        let next: string | undefined = formatSidecarRef(ref)
        for (let depth = 0; next !== undefined && depth < MAX_CHAIN; depth++) {
          const entry = find(next)
          if (entry === undefined) break
          needed.set(entry.hash, { scope: entry.scope, hash: entry.hash })
          next = entry.inherits
        }
      }
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
      return (ref) => {
        const entry = find(formatSidecarRef(ref))
        return entry === undefined ? undefined : found.get(entry.hash)
      }
    },
    remember(manifest) {
      manifests.set(manifest.scope, { manifest, readAt: now() })
    },
  }
}
