import type { SidecarConfig } from '../shared/types.ts'
import { configKey, type Manifest, manifestKey, parseManifest } from './kv-layout.ts'

/** The part of a Workers KV binding the store uses; tests wrap the real one to count or break it. */
export interface KvLike {
  get(keys: string[], type: 'text'): Promise<Map<string, string | null>>
  put(key: string, value: string): Promise<void>
}

/** Scopes and config values in KV; each method is one KV round trip. */
export interface ConfigStore {
  /** Reads the manifests of `scopes` in one bulk get; a scope never written reads empty. */
  readManifests(scopes: readonly string[]): Promise<Map<string, Manifest>>
  /** Reads config values by hash in one round trip; absent hashes are missing from the map. */
  readConfigs(hashes: readonly string[]): Promise<Map<string, SidecarConfig>>
  /** Writes config values (JSON text by hash), all in parallel. */
  writeConfigs(values: ReadonlyMap<string, string>): Promise<void>
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
    async readConfigs(hashes) {
      const batches: string[][] = []
      for (let i = 0; i < hashes.length; i += BULK_GET_LIMIT) {
        batches.push(hashes.slice(i, i + BULK_GET_LIMIT).map(configKey))
      }
      // Batches go out together: still one round trip of latency.
      const results = await Promise.all(batches.map((keys) => kv.get(keys, 'text')))
      const configs = new Map<string, SidecarConfig>()
      for (const hash of hashes) {
        const text = results.find((r) => r.has(configKey(hash)))?.get(configKey(hash))
        if (typeof text === 'string') configs.set(hash, JSON.parse(text) as SidecarConfig)
      }
      return configs
    },
    async writeConfigs(values) {
      await Promise.all([...values].map(([hash, json]) => kv.put(configKey(hash), json)))
    },
    async writeManifest(manifest) {
      await kv.put(manifestKey(manifest.scope), JSON.stringify(manifest))
    },
  }
}
