import { snapshotKey } from './kv-layout.ts'
import { decodeSnapshot, type Snapshot } from './snapshot.ts'

/** The part of a Workers KV binding the store uses; tests wrap the real one to count or break it. */
export interface KvLike {
  get(keys: string[], type: 'text'): Promise<Map<string, string | null>>
  put(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
}

/** Scope snapshots in KV; each method is one KV operation. */
export interface ConfigStore {
  /** Reads the snapshots of `scopes` in one bulk get; a scope never written reads empty. */
  readSnapshots(scopes: readonly string[]): Promise<Map<string, Snapshot>>
  /** Writes a scope's snapshot text: one KV write, whatever the number of configs. */
  writeSnapshot(scope: string, text: string): Promise<void>
}

/** Builds the store over a KV binding (the `CONFIGS` namespace). */
export function createKvConfigStore(kv: KvLike): ConfigStore {
  return {
    async readSnapshots(scopes) {
      const values = await kv.get(scopes.map(snapshotKey), 'text')
      return new Map(scopes.map((s) => [s, decodeSnapshot(s, values.get(snapshotKey(s)) ?? null)]))
    },
    async writeSnapshot(scope, text) {
      await kv.put(snapshotKey(scope), text)
    },
  }
}

/** Reads one scope's snapshot straight from KV (ingest and listing bypass the admission cache). */
export async function readSnapshot(store: ConfigStore, scope: string): Promise<Snapshot> {
  const snapshot = (await store.readSnapshots([scope])).get(scope)
  if (snapshot === undefined) throw new Error(`snapshot of scope "${scope}" was not returned`)
  return snapshot
}
