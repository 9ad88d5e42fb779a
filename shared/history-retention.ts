/** How much of a scope's history to keep: the last `minRevisions`, or `minDays` days, whichever is more. */
export interface RetentionPolicy {
  readonly minRevisions: number
  readonly minDays: number
}

/** A recorded revision: its number and when it was recorded (ms since the epoch). */
export interface RecordedRevision {
  readonly revision: number
  readonly atMs: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The revisions retention lets go, oldest first: those neither among the newest
 * `minRevisions` nor recorded within `minDays` of `nowMs`. Revisions in `keep` stay whatever
 * their age (the served one, and the last push, which an unpin serves).
 */
export function selectExpiredRevisions(
  revisions: readonly RecordedRevision[],
  policy: RetentionPolicy,
  nowMs: number,
  keep: readonly number[] = [],
): number[] {
  const newestFirst = [...revisions].sort((a, b) => b.revision - a.revision)
  const cutoff = nowMs - policy.minDays * DAY_MS
  return newestFirst
    .filter((r, index) => index >= policy.minRevisions && r.atMs < cutoff)
    .filter((r) => !keep.includes(r.revision))
    .map((r) => r.revision)
    .sort((a, b) => a - b)
}
