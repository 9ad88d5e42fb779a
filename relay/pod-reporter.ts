import type { PodReport } from '../shared/fleet-api.ts'
import type { FleetOutcome } from './fleet-sink.ts'
import type { PodCountResult } from './pod-counter.ts'

/** How one pod report round ended. */
export type PodReportRound =
  | { readonly kind: 'sent'; readonly count: PodCountResult; readonly outcome: FleetOutcome }
  | { readonly kind: 'list failed'; readonly message: string }

export interface PodReporterOptions {
  /** A round starts this long after the previous one ended. */
  readonly intervalMs: number
  /** Delay of the first round after `start`. */
  readonly firstDelayMs: number
  readonly count: (signal: AbortSignal) => Promise<PodCountResult>
  readonly send: (report: PodReport, signal: AbortSignal) => Promise<FleetOutcome>
  readonly onRound?: (round: PodReportRound, durationMs: number) => void
}

/** Periodic pod reports: list and count, then send; one round at a time. */
export interface PodReporter {
  start(): void
  /** Stops timers and abandons a round in flight. */
  stop(): void
}

/** Creates the reporter; a failed round is logged by the caller and retried next period. */
export function createPodReporter(options: PodReporterOptions): PodReporter {
  let stopped = true
  let timer: NodeJS.Timeout | undefined
  let controller: AbortController | undefined

  const schedule = (ms: number): void => {
    timer = setTimeout(() => {
      timer = undefined
      void round()
    }, ms).unref()
  }

  const round = async (): Promise<void> => {
    if (stopped) return
    const started = Date.now()
    controller = new AbortController()
    const { signal } = controller
    let result: PodReportRound
    try {
      const count = await options.count(signal)
      const outcome = await options.send(count.report, signal)
      result = { kind: 'sent', count, outcome }
    } catch (error) {
      result = {
        kind: 'list failed',
        message: error instanceof Error ? error.message : String(error),
      }
    }
    controller = undefined
    if (stopped) return
    options.onRound?.(result, Date.now() - started)
    schedule(options.intervalMs)
  }

  return {
    start: () => {
      if (!stopped) return
      stopped = false
      schedule(options.firstDelayMs)
    },
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      controller?.abort(new Error('relay shutting down'))
    },
  }
}
