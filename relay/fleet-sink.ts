import type { ClusterStatusReport, PodReport } from '../shared/fleet-api.ts'
import { describeWorkerAnswer, putToWorker, type WorkerTarget } from './worker-request.ts'

/** What one status or pod report to the Worker came to. */
export type FleetOutcome =
  | { readonly kind: 'ok' }
  /** 404: a Worker without the fleet routes (an older version). */
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'error'; readonly message: string; readonly status?: number }

/** Where heartbeats and pod reports go (the Worker's cluster status routes). */
export interface FleetSink {
  sendStatus(report: ClusterStatusReport, signal?: AbortSignal): Promise<FleetOutcome>
  sendPods(report: PodReport, signal?: AbortSignal): Promise<FleetOutcome>
}

export interface FleetSinkOptions extends WorkerTarget {
  /** The scope its sync token is for: the cluster, or `shared` for a relay feeding it. */
  readonly cluster: string
  readonly timeoutMs?: number
}

/** PUTs to `/v1/clusters/{cluster}/status` and `/pods` with the sync token, like the push. */
export function createFleetSink(options: FleetSinkOptions): FleetSink {
  const base = `/v1/clusters/${encodeURIComponent(options.cluster)}`
  const put = async (path: string, body: unknown, signal?: AbortSignal) => {
    const answer = await putToWorker(options, `${base}${path}`, body, {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(signal === undefined ? {} : { signal }),
    })
    return toOutcome(answer)
  }
  return {
    sendStatus: (report, signal) => put('/status', report, signal),
    sendPods: (report, signal) => put('/pods', report, signal),
  }
}

function toOutcome(answer: Awaited<ReturnType<typeof putToWorker>>): FleetOutcome {
  if (answer.kind === 'unanswered') return { kind: 'error', message: answer.message }
  if (answer.status >= 200 && answer.status <= 299) return { kind: 'ok' }
  if (answer.status === 404) return { kind: 'unsupported' }
  return {
    kind: 'error',
    status: answer.status,
    message: describeWorkerAnswer(answer.status, answer.text),
  }
}
