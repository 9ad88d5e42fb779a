import { type Logger, pino } from 'pino'
import { redactTokens } from '../shared/token-text.ts'

/** The relay's logger type. */
export type RelayLogger = Logger

/**
 * JSON lines on stdout. Token and authorization fields are censored wherever they appear, and
 * every string logged (an `error` message, a URL) has its token-like parts redacted.
 */
export function createRelayLogger(
  options: {
    level?: string
    base?: Record<string, string>
    destination?: pino.DestinationStream
  } = {},
): RelayLogger {
  const settings = {
    level: options.level ?? 'info',
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
    formatters: { log: (object: Record<string, unknown>) => redactStrings(object, 0) },
    hooks: {
      // The message itself: fixed text in the relay's own calls, but never trusted to be.
      logMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn) {
        method.apply(
          this,
          args.map((arg) =>
            typeof arg === 'string' ? redactTokens(arg) : arg,
          ) as Parameters<pino.LogFn>,
        )
      },
    },
  }
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination)
}

// Log objects are shallow; a bound keeps a cyclic or huge one from costing more than a line.
const MAX_DEPTH = 4

/** A copy of `object` with token-like text redacted in every string, Error messages included. */
function redactStrings(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) copy[key] = redactValue(value, depth + 1)
  return copy
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactTokens(value)
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return value
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactTokens(value.message),
      ...(value.stack === undefined ? {} : { stack: redactTokens(value.stack) }),
    }
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1))
  return redactStrings(value as Record<string, unknown>, depth)
}
