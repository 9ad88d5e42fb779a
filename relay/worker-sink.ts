import type { IngestRequest, IngestResponse } from '../shared/ingest-api.ts'
import { isRelayInstance, RELAY_INSTANCE_HEADER } from '../shared/relay-instance.ts'
import type { PushOutcome, PushSink } from './push-loop.ts'
import { describeWorkerAnswer, putToWorker, type WorkerTarget } from './worker-request.ts'

export interface WorkerSinkOptions extends WorkerTarget {
  /** Scope written: the cluster name, or `shared`. */
  readonly scope: string
  /** This relay's pod name, sent as `x-relay-instance` and recorded with each revision. */
  readonly instance?: string
  /** Per-request timeout; grows with the size of the set. */
  readonly timeoutMs?: (request: IngestRequest) => number
}

// A lost reply must not stall convergence for long, but 1,000 configs take the Worker a while.
const defaultTimeout = (request: IngestRequest): number =>
  Math.min(30_000, 4000 + 10 * request.configs.length)

/** A sink that PUTs the full set to `/v1/clusters/{scope}/configs` with the sync token. */
export function createWorkerSink(options: WorkerSinkOptions): PushSink {
  const path = `/v1/clusters/${encodeURIComponent(options.scope)}/configs`
  const timeoutMs = options.timeoutMs ?? defaultTimeout
  // A name the Worker would refuse is left out rather than failing every push.
  const headers =
    options.instance !== undefined && isRelayInstance(options.instance)
      ? { [RELAY_INSTANCE_HEADER]: options.instance }
      : {}
  return {
    push: async (request, signal): Promise<PushOutcome> => {
      const answer = await putToWorker(options, path, request, {
        timeoutMs: timeoutMs(request),
        signal,
        headers,
      })
      if (answer.kind === 'unanswered') return { kind: 'error', message: answer.message }
      const { status, text, retryAfterMs } = answer
      if (status === 200) {
        try {
          return { kind: 'ok', response: JSON.parse(text) as IngestResponse }
        } catch {
          return { kind: 'error', status: 200, message: 'Worker answered 200 with a non-JSON body' }
        }
      }
      return {
        kind: 'error',
        status,
        message: describeWorkerAnswer(status, text),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }
    },
  }
}
