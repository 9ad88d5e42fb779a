import type { IngestRequest, IngestResponse } from '../shared/ingest-api.ts'
import { redactTokens } from '../shared/token-text.ts'
import type { PushOutcome, PushSink } from './push-loop.ts'

export interface WorkerSinkOptions {
  /** Worker base URL without a trailing slash. */
  readonly workerUrl: string
  /** Scope written: the cluster name, or `shared`. */
  readonly scope: string
  /** The current sync token (re-read when the mounted file changes). */
  readonly token: () => string
  /** Per-request timeout; grows with the size of the set. */
  readonly timeoutMs?: (request: IngestRequest) => number
  readonly fetch?: typeof fetch
}

// A lost reply must not stall convergence for long, but 1,000 configs take the Worker a while.
const defaultTimeout = (request: IngestRequest): number =>
  Math.min(30_000, 4000 + 10 * request.configs.length)

/** A sink that PUTs the full set to `/v1/clusters/{scope}/configs` with the sync token. */
export function createWorkerSink(options: WorkerSinkOptions): PushSink {
  const url = `${options.workerUrl}/v1/clusters/${encodeURIComponent(options.scope)}/configs`
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? defaultTimeout
  return {
    push: async (request, signal): Promise<PushOutcome> => {
      const timeout = timeoutMs(request)
      let res: Response
      let text: string
      try {
        res = await doFetch(url, {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${options.token()}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(request),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]),
        })
        text = await res.text()
      } catch (error) {
        return { kind: 'error', message: describeFetchError(error, timeout) }
      }
      if (res.status === 200) {
        try {
          return { kind: 'ok', response: JSON.parse(text) as IngestResponse }
        } catch {
          return { kind: 'error', status: 200, message: 'Worker answered 200 with a non-JSON body' }
        }
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now())
      return {
        kind: 'error',
        status: res.status,
        message: `Worker answered ${res.status}: ${errorText(text)}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }
    },
  }
}

/** Reads `Retry-After` as seconds or an HTTP date (RFC 9110 section 10.2.3) into milliseconds. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    if (typeof body.error === 'string') return redactTokens(body.error)
  } catch {
    // not the Worker's JSON error body: show a prefix of whatever came back
  }
  return redactTokens(text.slice(0, 200))
}

/**
 * Why a push got no answer, without what was sent: fetch names a header value it refuses (which
 * may be the token), so such a message is replaced, and the rest is redacted.
 */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer from the Worker within ${timeoutMs} ms`
    if (/header/i.test(error.message)) {
      return 'fetch refused a request header (its value is not shown); check the token file'
    }
    const cause = (error as { cause?: unknown }).cause
    const detail = cause instanceof Error ? `: ${cause.message}` : ''
    return redactTokens(`${error.message}${detail}`)
  }
  return redactTokens(String(error))
}
