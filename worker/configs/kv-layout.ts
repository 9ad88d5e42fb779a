/**
 * KV layout, format 2. Every scope (a cluster's name, or `shared`) is one value, so publishing a
 * scope costs one write whatever the number of configs (its object, worker/configs/scope-object.ts,
 * is the only writer), and an admission reads its cluster's scope and `shared` together in one
 * bulk get:
 *
 *   configs/{scope}    -> the scope's snapshot (worker/configs/snapshot.ts): a header line, then the
 *                         configs' JSON texts
 *   cluster/{cluster}  -> reserved for per-cluster facts the admission will need; read in the
 *                         same bulk get as the snapshots once it exists
 *
 * A snapshot is written whole, so a reader never mixes two versions of a scope, and nothing is
 * left behind to collect. Format 1 (`manifest/{scope}`, `config/{scope}/{sha256}`) is not read:
 * after an upgrade each scope is pushed once more (a relay does so when it starts).
 */
export function snapshotKey(scope: string): string {
  return `configs/${scope}`
}

/** KV's documented limit: one write per second to the same key. */
export const MIN_WRITE_GAP_MS = 1000

/** How long to wait before the next write of a key, given the last one; 0 when it may go now. */
export function writeGap(lastWriteMs: number, nowMs: number): number {
  const since = nowMs - (Number.isFinite(lastWriteMs) ? lastWriteMs : 0)
  return since >= MIN_WRITE_GAP_MS || since < 0 ? 0 : MIN_WRITE_GAP_MS - since
}
