import type { ConfigStore } from './config-store.ts'
import type { Manifest } from './kv-layout.ts'

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
