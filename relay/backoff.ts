/** Bounds of an exponential backoff. */
export interface BackoffOptions {
  readonly baseMs: number
  readonly maxMs: number
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so retries spread out yet never collapse to zero.
 */
export function computeBackoff(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30)
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
