import type { AdmissionRequest, ValidationVerdict } from '../../shared/admission-review.ts'
import type { JsonObject } from '../../shared/json.ts'
import type { Decision } from '../../shared/types.ts'
import type { AdmissionLogMode } from '../settings.ts'

/** Writes one structured log line; the default prints JSON for Workers Logs. */
export type LogSink = (line: JsonObject) => void

/** Prints a log line as one JSON object (Workers observability indexes its fields). */
export const consoleLog: LogSink = (line) => {
  console.log(JSON.stringify(line))
}

/**
 * Whether an admission gets its log line: `changes` keeps injections and anything with a
 * warning (missing config, conflict, lookup failure) and drops the plain skips.
 */
export function shouldLogAdmission(mode: AdmissionLogMode, decision: Decision): boolean {
  if (mode === 'all') return true
  if (mode === 'none') return false
  return decision.kind === 'inject' || decision.warnings.length > 0
}

/** Writes an admission's log line when `mode` keeps it. */
export function logAdmission(log: LogSink, mode: AdmissionLogMode, entry: AdmissionLogEntry): void {
  if (shouldLogAdmission(mode, entry.decision)) log(formatAdmissionLog(entry))
}

export interface AdmissionLogEntry {
  readonly cluster: string
  readonly request: AdmissionRequest
  readonly decision: Decision
  readonly kvOps: number
  readonly durationMs: number
}

/** The one log line of an admission: who, what was decided and why, and what it cost. No tokens. */
export function formatAdmissionLog(entry: AdmissionLogEntry): JsonObject {
  const { request, decision } = entry
  const metadata = request.object?.metadata
  const meta =
    typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : {}
  const pod = request.name ?? stringOr(meta.name) ?? stringOr(meta.generateName) ?? ''
  return {
    event: 'admission',
    cluster: entry.cluster,
    uid: request.uid,
    namespace: request.namespace ?? stringOr(meta.namespace) ?? '',
    pod,
    operation: request.operation,
    decision: decision.kind,
    reason: decision.kind === 'skip' ? decision.reason : 'injected',
    detail: decision.kind === 'skip' ? decision.detail : '',
    configs: decision.kind === 'inject' ? [...decision.configs] : [],
    // How it was decided: "request ... from namespace default of ...", each sidecar's mode.
    ...(decision.notes === undefined ? {} : { notes: [...decision.notes] }),
    warnings: decision.warnings.length,
    kvOps: entry.kvOps,
    durationMs: entry.durationMs,
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** What one ConfigMap check decided and cost. */
export interface ValidationLogEntry {
  readonly cluster: string
  readonly request: AdmissionRequest
  /** The ConfigMap as `namespace/name`, or empty when there was nothing to check. */
  readonly configMap: string
  readonly verdict: ValidationVerdict
  /** Problems found; 0 when allowed. */
  readonly problems: number
  readonly kvOps: number
  readonly durationMs: number
}

/**
 * Writes the one log line of a sidecar ConfigMap check when `mode` keeps it: `changes` keeps
 * refusals and answers with a warning. The problems themselves went back to kubectl.
 */
export function logValidation(
  log: LogSink,
  mode: AdmissionLogMode,
  entry: ValidationLogEntry,
): void {
  const { verdict } = entry
  if (mode === 'none') return
  if (mode === 'changes' && verdict.allowed && verdict.warnings.length === 0) return
  log({
    event: 'validation',
    cluster: entry.cluster,
    uid: entry.request.uid,
    configMap: entry.configMap,
    operation: entry.request.operation,
    allowed: verdict.allowed,
    problems: entry.problems,
    warnings: verdict.warnings.length,
    kvOps: entry.kvOps,
    durationMs: entry.durationMs,
  })
}
