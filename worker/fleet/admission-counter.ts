import type { AdmissionCount } from '../../shared/fleet-metrics.ts'
import type { FleetDirectory } from './fleet-registry.ts'

/** Keeps a promise alive past the response (`ExecutionContext.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void

/**
 * Counts admissions in the isolate's memory and hands them to the fleet object now and then.
 * The admission path calls `record` and `flush`, both synchronous: neither waits on the fleet
 * object, writes KV, or throws.
 */
export interface AdmissionCounter {
  record(
    cluster: string,
    decision: AdmissionCount['decision'],
    reason: string,
    configs: readonly string[],
  ): void
  /**
   * Sends what was counted when the last send is `intervalMs` old (the first at once), under
   * `waitUntil`: the response does not wait for it. Losing the isolate loses at most what was
   * counted since; a failed send puts its counts back for the next one.
   */
  flush(waitUntil: WaitUntil | undefined): void
  /** Series held now, for tests and the bound. */
  pending(): number
}

export interface AdmissionCounterOptions {
  readonly fleet: FleetDirectory
  readonly intervalMs: number
  readonly now: () => number
  readonly onError: (error: unknown) => void
  /** Series held at most; past it, counts of new series wait for the next send (and are dropped if that fails). */
  readonly maxSeries?: number
}

const DEFAULT_MAX_SERIES = 5000

/** Builds the isolate's counter (one per app, so one per isolate). */
export function createAdmissionCounter(options: AdmissionCounterOptions): AdmissionCounter {
  const { fleet, intervalMs, now, onError } = options
  const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES
  // Each series is its own object, counted up in place: an admission of a known series
  // allocates no new entry.
  let counts = new Map<string, { -readonly [K in keyof AdmissionCount]: AdmissionCount[K] }>()
  let dropped = 0
  let lastSend = Number.NEGATIVE_INFINITY
  const add = (entry: AdmissionCount): void => {
    const key = JSON.stringify([entry.cluster, entry.decision, entry.reason, entry.config])
    const known = counts.get(key)
    if (known !== undefined) known.count += entry.count
    else if (counts.size < maxSeries) counts.set(key, { ...entry })
    else dropped += entry.count
  }
  return {
    record(cluster, decision, reason, configs) {
      const labels = configs.length === 0 ? [''] : configs
      for (const config of labels) add({ cluster, decision, reason, config, count: 1 })
    },
    flush(waitUntil) {
      if (counts.size === 0 || now() - lastSend < intervalMs) return
      lastSend = now()
      const batch = [...counts.values()]
      counts = new Map()
      const sending = Promise.resolve()
        // Inside the promise: a binding that throws on the call itself is caught too.
        .then(() => fleet().addAdmissions(batch))
        .catch((error: unknown) => {
          for (const entry of batch) add(entry)
          onError(error)
        })
      try {
        waitUntil?.(sending)
      } catch (error) {
        onError(error)
      }
      if (dropped > 0) {
        onError(
          new Error(`${dropped} admission counts dropped: more than ${maxSeries} series held`),
        )
        dropped = 0
      }
    },
    pending: () => counts.size,
  }
}
