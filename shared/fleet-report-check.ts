import type { ClusterStatusReport, PodCount, PodReport } from './fleet-api.ts'
import { SHORT_HASH_LENGTH } from './injected-annotation.ts'
import { MAX_KUBERNETES_VERSION_LENGTH } from './kubernetes-version.ts'
import { formatSidecarRef, parseSidecarRef } from './sidecar-ref.ts'

/** A body read into its type, or the first problem with the field path: `configs.valid: ...`. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string }

/** Rows a pod report may carry: the relay folds namespaces to stay within this. */
export const MAX_POD_ROWS = 10_000
/** Namespaces a heartbeat may list. */
const MAX_NAMESPACES = 1000
const MAX_ERROR_CHARS = 500
const MAX_TEXT = 256
const MAX_LABELS = 4096
const HASH = new RegExp(`^[0-9a-f]{${SHORT_HASH_LENGTH}}$`)

class Refusal extends Error {}

/**
 * Reads a relay heartbeat strictly: every field typed and bounded, and no field the wire type
 * does not have, so a relay newer than the Worker is told instead of half understood.
 */
export function checkStatusReport(body: unknown): Checked<ClusterStatusReport> {
  return attempt(() => {
    const o = object(body, 'body', [
      'relayVersion',
      'instance',
      'kubernetesVersion',
      'namespaces',
      'labels',
      'configs',
      'lastSuccessfulPush',
      'lastError',
    ])
    const configs = object(o.configs, 'configs', ['seen', 'valid', 'invalid'])
    const namespaces = list(o.namespaces, 'namespaces', MAX_NAMESPACES).map((ns, i) =>
      text(ns, `namespaces[${i}]`, MAX_TEXT),
    )
    const report: ClusterStatusReport = {
      relayVersion: text(o.relayVersion, 'relayVersion', MAX_TEXT),
      instance: text(o.instance, 'instance', MAX_TEXT),
      namespaces,
      labels: text(o.labels, 'labels', MAX_LABELS, true),
      configs: {
        seen: count(configs.seen, 'configs.seen'),
        valid: count(configs.valid, 'configs.valid'),
        invalid: count(configs.invalid, 'configs.invalid'),
      },
    }
    const extra: { -readonly [K in keyof ClusterStatusReport]?: ClusterStatusReport[K] } = {}
    if (o.kubernetesVersion !== undefined) {
      // As long as the scope object keeps it (shared/kubernetes-version.ts), so a longer one is
      // refused here, naming the field, and not silently dropped later.
      extra.kubernetesVersion = text(
        o.kubernetesVersion,
        'kubernetesVersion',
        MAX_KUBERNETES_VERSION_LENGTH,
      )
    }
    if (o.lastSuccessfulPush !== undefined) {
      extra.lastSuccessfulPush = time(o.lastSuccessfulPush, 'lastSuccessfulPush')
    }
    if (o.lastError !== undefined) {
      const error = object(o.lastError, 'lastError', ['at', 'message'])
      extra.lastError = {
        at: time(error.at, 'lastError.at'),
        message: text(error.message, 'lastError.message', MAX_ERROR_CHARS, true),
      }
    }
    return { ...report, ...extra }
  })
}

/** Reads a relay pod report strictly, as `checkStatusReport` does a heartbeat. */
export function checkPodReport(body: unknown): Checked<PodReport> {
  return attempt(() => {
    const o = object(body, 'body', ['listedAt', 'totalPods', 'counts'])
    const counts = list(o.counts, 'counts', MAX_POD_ROWS).map((row, i): PodCount => {
      const at = `counts[${i}]`
      const r = object(row, at, ['config', 'hash', 'namespace', 'pods'])
      const config = text(r.config, `${at}.config`, MAX_TEXT)
      const ref = parseSidecarRef(config)
      if (!ref.ok || formatSidecarRef(ref.ref) !== config) {
        throw new Refusal(`${at}.config: "${config}" is not a canonical name:version`)
      }
      const hash = text(r.hash, `${at}.hash`, SHORT_HASH_LENGTH)
      if (!HASH.test(hash))
        throw new Refusal(`${at}.hash: must be ${SHORT_HASH_LENGTH} lowercase hex digits`)
      return {
        config,
        hash,
        namespace: text(r.namespace, `${at}.namespace`, MAX_TEXT),
        pods: count(r.pods, `${at}.pods`),
      }
    })
    return {
      listedAt: time(o.listedAt, 'listedAt'),
      totalPods: count(o.totalPods, 'totalPods'),
      counts,
    }
  })
}

function attempt<T>(read: () => T): Checked<T> {
  try {
    return { ok: true, value: read() }
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, message: error.message }
    throw error
  }
}

/** A plain object with only `allowed` keys; read by own property only (no prototype keys). */
function object(value: unknown, at: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(`${at}: must be an object`)
  }
  const fields: Record<string, unknown> = Object.create(null)
  for (const [key, member] of Object.entries(value)) {
    if (!allowed.includes(key)) {
      const where = at === 'body' ? key : `${at}.${key}`
      throw new Refusal(`${where}: unknown field (known: ${allowed.join(', ')})`)
    }
    fields[key] = member
  }
  return fields
}

function list(value: unknown, at: string, max: number): unknown[] {
  if (value === undefined) throw new Refusal(`${at}: required`)
  if (!Array.isArray(value)) throw new Refusal(`${at}: must be an array`)
  if (value.length > max) throw new Refusal(`${at}: at most ${max} entries, got ${value.length}`)
  return value
}

function text(value: unknown, at: string, max: number, emptyAllowed = false): string {
  if (value === undefined) throw new Refusal(`${at}: required`)
  if (typeof value !== 'string') throw new Refusal(`${at}: must be a string`)
  if (!emptyAllowed && value === '') throw new Refusal(`${at}: must not be empty`)
  if (value.length > max) throw new Refusal(`${at}: at most ${max} characters`)
  return value
}

function count(value: unknown, at: string): number {
  if (value === undefined) throw new Refusal(`${at}: required`)
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Refusal(`${at}: must be a whole number of 0 or more`)
  }
  return value
}

// ISO 8601 as the relay sends it (`Date.prototype.toISOString`), with or without milliseconds.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

function time(value: unknown, at: string): string {
  const iso = text(value, at, 40)
  if (!ISO_TIME.test(iso) || Number.isNaN(Date.parse(iso))) {
    throw new Refusal(`${at}: must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z`)
  }
  return iso
}
