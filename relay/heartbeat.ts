import type { ClusterStatusReport } from '../shared/fleet-api.ts'
import type { FleetOutcome } from './fleet-sink.ts'

export interface HeartbeatOptions {
  /** A heartbeat goes out this long after the last one, changed or not. */
  readonly intervalMs: number
  /** Least time between the starts of two heartbeats, so a burst of changes costs one. */
  readonly minGapMs: number
  /** The status now. */
  readonly report: () => ClusterStatusReport
  readonly send: (report: ClusterStatusReport, signal: AbortSignal) => Promise<FleetOutcome>
  /** After every attempt, for logs and metrics. */
  readonly onOutcome?: (outcome: FleetOutcome, report: ClusterStatusReport) => void
}

/** The relay's cluster status heartbeat: periodic, and sooner when the status changes. */
export interface Heartbeat {
  /** Sends the first heartbeat now and starts the period. */
  start(): void
  /** The status may have changed: send it soon if it differs from the last one delivered. */
  changed(): void
  /** Stops timers and abandons an in-flight heartbeat. */
  stop(): void
}

/**
 * Creates the heartbeat. A failed heartbeat is retried by the next tick (or change), never
 * sooner, so a Worker without the route or out of reach costs one request per period.
 */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  let stopped = true
  let timer: NodeJS.Timeout | undefined
  let dueAt = 0
  let controller: AbortController | undefined
  let inFlight = false
  // A change seen while a heartbeat was in flight: look again once it ends.
  let recheck = false
  let lastStart: number | undefined
  let delivered: string | undefined

  // Timers are unref'd so a pending one never keeps a stopping relay alive.
  const schedule = (ms: number): void => {
    if (timer !== undefined) clearTimeout(timer)
    dueAt = Date.now() + ms
    timer = setTimeout(() => {
      timer = undefined
      void beat(true)
    }, ms).unref()
  }

  const beat = async (forced: boolean): Promise<void> => {
    if (stopped) return
    if (inFlight) {
      recheck = true
      return
    }
    const report = options.report()
    const body = JSON.stringify(report)
    if (!forced && body === delivered) return
    inFlight = true
    recheck = false
    lastStart = Date.now()
    controller = new AbortController()
    let outcome: FleetOutcome
    try {
      outcome = await options.send(report, controller.signal)
    } catch (error) {
      outcome = { kind: 'error', message: error instanceof Error ? error.message : String(error) }
    }
    inFlight = false
    controller = undefined
    if (stopped) return
    if (outcome.kind === 'ok') delivered = body
    options.onOutcome?.(outcome, report)
    // The next tick counts from this heartbeat, whatever made it go out.
    schedule(options.intervalMs)
    if (recheck) changed()
  }

  const changed = (): void => {
    if (stopped) return
    if (inFlight) {
      recheck = true
      return
    }
    if (JSON.stringify(options.report()) === delivered) return
    const wait = lastStart === undefined ? 0 : lastStart + options.minGapMs - Date.now()
    if (wait <= 0) {
      void beat(false)
      return
    }
    // Bring the next tick forward to the end of the gap, unless it is due by then anyway.
    if (timer === undefined || dueAt > Date.now() + wait) schedule(wait)
  }

  return {
    start: () => {
      if (!stopped) return
      stopped = false
      void beat(true)
    },
    changed,
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      controller?.abort(new Error('relay shutting down'))
    },
  }
}
