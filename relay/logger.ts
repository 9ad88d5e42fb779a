import { type Logger, pino } from 'pino'

/** The relay's logger type. */
export type RelayLogger = Logger

/** JSON lines on stdout; token and authorization fields are censored wherever they appear. */
export function createRelayLogger(
  options: { level?: string; base?: Record<string, string> } = {},
): RelayLogger {
  return pino({
    level: options.level ?? 'info',
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  })
}
