import type { RetentionPolicy } from '../shared/history-retention.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import { CONFIG_MAX_BYTES_CEILING, DEFAULT_CONFIG_MAX_BYTES } from '../shared/parse-limits.ts'
import type { InjectionSettings } from '../shared/types.ts'

/** Which admissions write a log line: every one, those that injected, warned or failed, or none. */
export type AdmissionLogMode = 'all' | 'changes' | 'none'

const ADMISSION_LOG_MODES: readonly AdmissionLogMode[] = ['all', 'changes', 'none']

/** The Worker's settings, read and validated once from its environment. */
export interface WorkerSettings {
  /** `INJECTOR_SECRET` first, then `INJECTOR_SECRET_PREVIOUS` when set (rotation). */
  readonly secrets: readonly string[]
  readonly injection: InjectionSettings
  /** How long a warm isolate trusts a manifest it read; 0 disables the cache. */
  readonly cacheTtlMs: number
  /** The admission route answers within this, KV or not. */
  readonly admissionDeadlineMs: number
  readonly allowHostAccess: boolean
  /** The API server sends at most 3 MiB (etcd's request limit), so a larger review is not one. */
  readonly admissionMaxBytes: number
  readonly ingestMaxBytes: number
  /** Per-config limit on the expanded JSON, YAML aliases included. */
  readonly configMaxBytes: number
  /** Per-scope limits, checked before anything is written: configs in a push, snapshot bytes. */
  readonly scopeMaxConfigs: number
  readonly scopeMaxBytes: number
  /** Bound of the isolate's cache of snapshots and parsed configs, estimated by text length. */
  readonly cacheMaxBytes: number
  readonly admissionLog: AdmissionLogMode
  /** What each scope keeps of its history (the scope object applies it at every commit). */
  readonly history: RetentionPolicy
  /**
   * How often an isolate sends the admissions it counted to the fleet object, at most; losing
   * an isolate loses at most this long of its counts.
   */
  readonly metricsFlushMs: number
}

/** The raw variables, as wrangler.toml `[vars]` and secrets provide them. */
export type SettingsEnv = Readonly<Record<string, unknown>>

/** A setting with a bad value; the message names the variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError'
}

/** The API server sends at most 3 MiB (etcd's request limit). */
export const ADMISSION_MAX_BYTES = 3 * 1024 * 1024

const MiB = 1024 * 1024

/** A scope is one KV value, at most 25 MiB; this leaves room below it. */
export const SCOPE_MAX_BYTES_CEILING = 24 * MiB

/** Reads and validates the Worker's variables; throws `SettingsError` naming the first bad one. */
export function readWorkerSettings(env: SettingsEnv): WorkerSettings {
  const secret = readString(env, 'INJECTOR_SECRET', '')
  if (secret === '') {
    throw new SettingsError('INJECTOR_SECRET: required (wrangler secret put INJECTOR_SECRET)')
  }
  const previous = readString(env, 'INJECTOR_SECRET_PREVIOUS', '')
  for (const [name, value] of [
    ['INJECTOR_SECRET', secret],
    ['INJECTOR_SECRET_PREVIOUS', previous],
  ] as const) {
    // Tokens carry 256 bits; a short secret would be the weak link.
    if (value !== '' && value.length < 32) {
      throw new SettingsError(`${name}: must be at least 32 characters`)
    }
  }
  const annotationNamespace = readString(
    env,
    'INJECTOR_ANNOTATION_NAMESPACE',
    DEFAULT_INJECTION_SETTINGS.annotationNamespace,
  )
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(annotationNamespace)) {
    throw new SettingsError(
      `INJECTOR_ANNOTATION_NAMESPACE: "${annotationNamespace}" is not a DNS subdomain`,
    )
  }
  const ignored = readString(
    env,
    'INJECTOR_IGNORED_NAMESPACES',
    DEFAULT_INJECTION_SETTINGS.ignoredNamespaces.join(','),
  )
  const allowHostAccess = readBoolean(env, 'INJECTOR_ALLOW_HOST_ACCESS', false)
  const admissionLog = readString(env, 'INJECTOR_ADMISSION_LOG', 'all')
  if (!isAdmissionLogMode(admissionLog)) {
    throw new SettingsError(
      `INJECTOR_ADMISSION_LOG: "${admissionLog}" must be one of ${ADMISSION_LOG_MODES.join(', ')}`,
    )
  }
  return {
    secrets: previous === '' ? [secret] : [secret, previous],
    injection: {
      annotationNamespace,
      ignoredNamespaces: ignored
        .split(',')
        .map((ns) => ns.trim())
        .filter((ns) => ns !== ''),
      // Checked at admission too: turning the switch off also stops configs stored before.
      allowHostAccess,
    },
    cacheTtlMs: readInteger(env, 'INJECTOR_CACHE_TTL_SECONDS', 30, 0, 300) * 1000,
    admissionDeadlineMs: readInteger(env, 'INJECTOR_ADMISSION_DEADLINE_MS', 2000, 50, 25_000),
    allowHostAccess,
    admissionMaxBytes: ADMISSION_MAX_BYTES,
    ingestMaxBytes: readInteger(
      env,
      'INJECTOR_INGEST_MAX_BYTES',
      8 * 1024 * 1024,
      1024,
      25 * 1024 * 1024,
    ),
    configMaxBytes: readInteger(
      env,
      'INJECTOR_CONFIG_MAX_BYTES',
      DEFAULT_CONFIG_MAX_BYTES,
      1024,
      CONFIG_MAX_BYTES_CEILING,
    ),
    scopeMaxConfigs: readInteger(env, 'INJECTOR_SCOPE_MAX_CONFIGS', 10_000, 1, 50_000),
    ...readCacheAndScopeBytes(env),
    admissionLog,
    history: readHistorySettings(env),
    metricsFlushMs: readInteger(env, 'INJECTOR_METRICS_FLUSH_SECONDS', 5, 1, 60) * 1000,
  }
}

/**
 * The history settings alone, which the scope object reads from its own environment: keep the
 * last INJECTOR_HISTORY_MIN_REVISIONS revisions or INJECTOR_HISTORY_MIN_DAYS days, whichever
 * is more. Throws `SettingsError` naming a bad variable.
 */
export function readHistorySettings(env: SettingsEnv): RetentionPolicy {
  return {
    minRevisions: readInteger(env, 'INJECTOR_HISTORY_MIN_REVISIONS', 50, 1, 10_000),
    minDays: readInteger(env, 'INJECTOR_HISTORY_MIN_DAYS', 30, 0, 3650),
  }
}

/**
 * The scope and cache byte bounds, checked together: an admission needs its cluster's scope and
 * `shared` in memory at once, so the cache holds at least two scopes of the largest size.
 */
function readCacheAndScopeBytes(env: SettingsEnv): {
  scopeMaxBytes: number
  cacheMaxBytes: number
} {
  const scopeMaxBytes = readInteger(
    env,
    'INJECTOR_SCOPE_MAX_BYTES',
    8 * MiB,
    64 * 1024,
    SCOPE_MAX_BYTES_CEILING,
  )
  const cacheMaxBytes = readInteger(env, 'INJECTOR_CACHE_MAX_BYTES', 32 * MiB, 1 * MiB, 64 * MiB)
  if (cacheMaxBytes < 2 * scopeMaxBytes) {
    throw new SettingsError(
      `INJECTOR_CACHE_MAX_BYTES: ${cacheMaxBytes} is less than twice INJECTOR_SCOPE_MAX_BYTES (${scopeMaxBytes}); an admission holds its cluster's scope and shared together`,
    )
  }
  return { scopeMaxBytes, cacheMaxBytes }
}

function readString(env: SettingsEnv, name: string, fallback: string): string {
  const value = env[name]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'string') throw new SettingsError(`${name}: must be a string`)
  return value.trim()
}

function readInteger(
  env: SettingsEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = readString(env, name, '')
  if (text === '') return fallback
  if (!/^\d+$/.test(text)) throw new SettingsError(`${name}: "${text}" is not a whole number`)
  const value = Number(text)
  if (value < min || value > max) {
    throw new SettingsError(`${name}: ${value} is outside ${min}..${max}`)
  }
  return value
}

function readBoolean(env: SettingsEnv, name: string, fallback: boolean): boolean {
  const text = readString(env, name, '').toLowerCase()
  if (text === '') return fallback
  if (text === 'true') return true
  if (text === 'false') return false
  throw new SettingsError(`${name}: "${text}" must be "true" or "false"`)
}

function isAdmissionLogMode(text: string): text is AdmissionLogMode {
  return (ADMISSION_LOG_MODES as readonly string[]).includes(text)
}
