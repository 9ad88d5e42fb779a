/** Result of parsing a duration such as `250ms`, `2s`, `5m` or `1h30m`. */
export type DurationResult = { ok: true; ms: number } | { ok: false; message: string }

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y

/** Parses a Go-style duration (`250ms`, `2s`, `5m`, `1h30m`); a bare number or `0` is refused unless it is `0`. */
export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim()
  if (trimmed === '0') return { ok: true, ms: 0 }
  if (trimmed === '') return { ok: false, message: 'empty duration' }
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex
    const match = PART.exec(trimmed)
    if (match === null) {
      PART.lastIndex = 0
      return {
        ok: false,
        message: `invalid duration "${text}" at "${trimmed.slice(start)}" (use e.g. 250ms, 2s, 5m, 1h)`,
      }
    }
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN)
  }
  PART.lastIndex = 0
  if (!Number.isFinite(total) || total > 2 ** 31 - 1) {
    return { ok: false, message: `duration "${text}" is too long` }
  }
  return { ok: true, ms: Math.round(total) }
}

/** Formats milliseconds for logs: `250ms`, `2s`, `5m`, `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms >= 1000) return `${ms / 1000}s`
  return `${ms}ms`
}
