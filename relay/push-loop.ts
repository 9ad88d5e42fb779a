import type { IngestRequest, IngestResponse } from '../shared/ingest-api.ts'
import { computeBackoff } from './backoff.ts'
import type { DesiredSet } from './desired-set.ts'

/** What one push attempt came to. */
export type PushOutcome =
  | { readonly kind: 'ok'; readonly response: IngestResponse }
  | {
      readonly kind: 'error'
      readonly message: string
      readonly status?: number
      /** From a `Retry-After` header. */
      readonly retryAfterMs?: number
    }

/** Where the desired set goes (the Worker's ingest API). */
export interface PushSink {
  push(request: IngestRequest, signal: AbortSignal): Promise<PushOutcome>
}

/** Reported after every attempt, for logs, metrics and Events. */
export interface PushReport {
  readonly outcome: PushOutcome
  readonly set: DesiredSet
  /** 1 for a first attempt, 2 for the first retry, ... */
  readonly attempt: number
  readonly durationMs: number
  /** Periodic resync or start-up, rather than a change. */
  readonly forced: boolean
  /** On success: time from the earliest change this push carried until now. */
  readonly latencyMs?: number | undefined
  /** On failure: when the next attempt goes out. */
  readonly retryInMs?: number
}

export interface PushLoopOptions {
  readonly random: () => number
  readonly sink: PushSink
  /** The set to push now, or undefined while the source is out of sync (nothing is pushed then). */
  readonly desired: () => DesiredSet | undefined
  readonly resyncMs: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs: number
  /**
   * After a push whose predecessor may still land late (the first push after start-up, or one
   * after a failure without an answer), push once more this much later; an unchanged set costs
   * the Worker no writes. Undefined: no confirmation.
   */
  readonly confirmAfterMs?: number
  /** Least time from the end of one push to the start of the next (the Worker takes one write per second). */
  readonly minIntervalMs?: number
  readonly onReport?: (report: PushReport) => void
}

/** A level-triggered pusher of the full desired set. */
export interface PushLoop {
  /** A change happened (at `changedAt`, default now): push the current set soon. */
  request(changedAt?: number): void
  /** Push even when the set equals the last one pushed (start-up, resync). */
  forcePush(): void
  /** When the last push succeeded, or undefined. */
  lastSuccessAt(): number | undefined
  /** Stops timers; waits up to `graceMs` for an in-flight push, then aborts it. */
  stop(graceMs: number): Promise<void>
}

// A Retry-After far in the future would stall the relay; the resync bound is long enough.
const MAX_RETRY_AFTER_MS = 5 * 60_000

/** Creates the push loop; it pushes nothing until `request` or `forcePush` is called. */
export function createPushLoop(options: PushLoopOptions): PushLoop {
  const backoff = { baseMs: options.backoffBaseMs ?? 250, maxMs: options.backoffMaxMs }
  let stopped = false
  let inFlight: Promise<void> | undefined
  let controller: AbortController | undefined
  let again = false
  let againForced = false
  let retryTimer: NodeJS.Timeout | undefined
  let resyncTimer: NodeJS.Timeout | undefined
  let failures = 0
  let lastSuccess: number | undefined
  let lastBody: string | undefined
  let earliestChange: number | undefined
  let lastEnd: number | undefined
  let pacedForced = false
  let owedForce = false
  // A request that got no answer may still reach the Worker after a newer one.
  let uncertain = true

  // Timers are unref'd so a pending one never keeps a stopping relay alive.
  const scheduleResync = (ms: number): void => {
    if (resyncTimer !== undefined) clearTimeout(resyncTimer)
    resyncTimer = setTimeout(() => {
      resyncTimer = undefined
      trigger(true)
    }, ms).unref()
  }

  const trigger = (forced: boolean): void => {
    if (stopped) return
    if (inFlight !== undefined) {
      again = true
      againForced ||= forced
      return
    }
    // A newer set supersedes the pending retry: the retry pushes whatever is current then.
    if (retryTimer !== undefined) {
      pacedForced ||= forced
      return
    }
    const wait = lastEnd === undefined ? 0 : lastEnd + (options.minIntervalMs ?? 0) - Date.now()
    if (wait > 0) {
      pacedForced = forced
      retryTimer = setTimeout(() => {
        retryTimer = undefined
        const nextForced = pacedForced
        pacedForced = false
        trigger(nextForced)
      }, wait).unref()
      return
    }
    again = false
    againForced = false
    inFlight = attempt(forced).finally(() => {
      inFlight = undefined
      controller = undefined
      if (stopped || !again || retryTimer !== undefined) return
      const nextForced = againForced
      again = false
      againForced = false
      trigger(nextForced)
    })
  }

  const attempt = async (requested: boolean): Promise<void> => {
    const set = options.desired()
    if (set === undefined) {
      // Out of sync: the next push, once back in sync, also stands in for the missed resync.
      owedForce = true
      return
    }
    const forced = requested || owedForce
    owedForce = false
    const request: IngestRequest = {
      configs: set.entries,
      ...(set.cluster === undefined ? {} : { cluster: set.cluster }),
    }
    const body = JSON.stringify(request)
    if (!forced && failures === 0 && body === lastBody) {
      earliestChange = undefined
      return
    }
    const carried = earliestChange
    earliestChange = undefined
    if (resyncTimer !== undefined) clearTimeout(resyncTimer)
    resyncTimer = undefined
    controller = new AbortController()
    const started = Date.now()
    let outcome: PushOutcome
    try {
      outcome = await options.sink.push(request, controller.signal)
    } catch (error) {
      outcome = { kind: 'error', message: error instanceof Error ? error.message : String(error) }
    }
    const now = Date.now()
    lastEnd = now
    const base = { set, attempt: failures + 1, durationMs: now - started, forced }
    if (outcome.kind === 'ok') {
      failures = 0
      lastSuccess = now
      lastBody = body
      options.onReport?.({
        ...base,
        outcome,
        latencyMs: carried === undefined ? undefined : Math.max(0, now - carried),
      })
      const confirm = uncertain && options.confirmAfterMs !== undefined
      uncertain = false
      if (!stopped) scheduleResync(confirm ? (options.confirmAfterMs ?? 0) : options.resyncMs)
      return
    }
    if (outcome.status === undefined) uncertain = true
    failures += 1
    if (carried !== undefined) earliestChange = Math.min(carried, earliestChange ?? carried)
    const delay = Math.max(
      computeBackoff(failures, backoff, options.random),
      Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS),
    )
    options.onReport?.({ ...base, outcome, retryInMs: delay })
    if (stopped) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      trigger(true)
    }, delay).unref()
  }

  return {
    request: (changedAt) => {
      const at = changedAt ?? Date.now()
      earliestChange = Math.min(at, earliestChange ?? at)
      trigger(false)
    },
    forcePush: () => trigger(true),
    lastSuccessAt: () => lastSuccess,
    stop: async (graceMs) => {
      stopped = true
      for (const timer of [retryTimer, resyncTimer]) if (timer !== undefined) clearTimeout(timer)
      retryTimer = undefined
      resyncTimer = undefined
      const pending = inFlight
      if (pending === undefined) return
      let graceTimer: NodeJS.Timeout | undefined
      const expired = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs).unref()
      })
      await Promise.race([pending, expired])
      if (graceTimer !== undefined) clearTimeout(graceTimer)
      controller?.abort(new Error('relay shutting down'))
    },
  }
}
