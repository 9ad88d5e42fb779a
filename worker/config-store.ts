import type { SidecarConfig } from '../shared/types.ts'
import { configKey, type Manifest, manifestKey, parseManifest } from './kv-layout.ts'

/** The part of a Workers KV binding the store uses; tests wrap the real one to count or break it. */
export interface KvLike {
  get(keys: string[], type: 'text'): Promise<Map<string, string | null>>
  put(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
}

/** A config value's place: the scope whose manifest names it, and its content hash. */
export interface ValueRef {
  readonly scope: string
  readonly hash: string
}

/** Scopes and config values in KV; each method is one KV round trip. */
export interface ConfigStore {
  /** Reads the manifests of `scopes` in one bulk get; a scope never written reads empty. */
  readManifests(scopes: readonly string[]): Promise<Map<string, Manifest>>
  /** Reads config values in one round trip, by hash; absent ones are missing from the map. */
  readConfigs(refs: readonly ValueRef[]): Promise<Map<string, SidecarConfig>>
  /** Writes config values of `scope` (JSON text by hash), all in parallel. */
  writeConfigs(scope: string, values: ReadonlyMap<string, string>): Promise<void>
  /** Deletes values of `scope`, all in parallel. */
  deleteConfigs(scope: string, hashes: readonly string[]): Promise<void>
  writeManifest(manifest: Manifest): Promise<void>
}

// Workers KV returns at most 100 keys per bulk get.
const BULK_GET_LIMIT = 100

/** Builds the store over a KV binding (the `CONFIGS` namespace). */
export function createKvConfigStore(kv: KvLike): ConfigStore {
  return {
    async readManifests(scopes) {
      const values = await kv.get(scopes.map(manifestKey), 'text')
      return new Map(scopes.map((s) => [s, parseManifest(s, values.get(manifestKey(s)) ?? null)]))
    },
    async readConfigs(refs) {
      const batches: ValueRef[][] = []
      for (let i = 0; i < refs.length; i += BULK_GET_LIMIT) {
        batches.push(refs.slice(i, i + BULK_GET_LIMIT))
      }
      // Batches go out together: still one round trip of latency.
      const results = await Promise.all(
        batches.map((batch) =>
          kv.get(
            batch.map((ref) => configKey(ref.scope, ref.hash)),
            'text',
          ),
        ),
      )
      const configs = new Map<string, SidecarConfig>()
      batches.forEach((batch, i) => {
        for (const ref of batch) {
          const text = results[i]?.get(configKey(ref.scope, ref.hash))
          if (typeof text === 'string') configs.set(ref.hash, JSON.parse(text) as SidecarConfig)
        }
      })
      return configs
    },
    async writeConfigs(scope, values) {
      await Promise.all([...values].map(([hash, json]) => kv.put(configKey(scope, hash), json)))
    },
    async deleteConfigs(scope, hashes) {
      await Promise.all(hashes.map((hash) => kv.delete(configKey(scope, hash))))
    },
    async writeManifest(manifest) {
      await kv.put(manifestKey(manifest.scope), JSON.stringify(manifest))
    },
  }
}
