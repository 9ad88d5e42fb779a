import { redactTokens } from '../shared/token-text.ts'
import { httpPut, type PutFetch } from './http-put.ts'

/** Where the Worker is and how the relay authenticates to it. */
export interface WorkerTarget {
  /** Worker base URL without a trailing slash. */
  readonly workerUrl: string
  /** The current sync token (re-read when the mounted file changes). */
  readonly token: () => string
  /** Default: node:http(s) (see http-put.ts); tests pass a fake. */
  readonly fetch?: PutFetch
}

/** What one PUT to the Worker came to: an answer (any status), or none. */
export type WorkerAnswer =
  | {
      readonly kind: 'answered'
      readonly status: number
      readonly text: string
      /** From a `Retry-After` header. */
      readonly retryAfterMs?: number
    }
  | { readonly kind: 'unanswered'; readonly message: string }

/**
 * PUTs `body` as JSON to `{workerUrl}{path}` with the sync token: the one transport of pushes,
 * heartbeats and pod reports. Failures are described without the token.
 */
export async function putToWorker(
  target: WorkerTarget,
  path: string,
  body: unknown,
  options: {
    readonly timeoutMs: number
    readonly signal?: AbortSignal
    /** Extra request headers (never the authorization). */
    readonly headers?: Readonly<Record<string, string>>
  },
): Promise<WorkerAnswer> {
  const doFetch = target.fetch ?? httpPut
  const timeout = AbortSignal.timeout(options.timeoutMs)
  try {
    const res = await doFetch(`${target.workerUrl}${path}`, {
      method: 'PUT',
      headers: {
        ...options.headers,
        authorization: `Bearer ${target.token()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]),
    })
    const text = await res.text()
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now())
    return {
      kind: 'answered',
      status: res.status,
      text,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    }
  } catch (error) {
    if (timeout.aborted) {
      return {
        kind: 'unanswered',
        message: `no answer from the Worker within ${options.timeoutMs} ms`,
      }
    }
    return { kind: 'unanswered', message: describeFetchError(error) }
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

/** `Worker answered 400: <its error>`, redacted: its JSON error or a prefix of the body. */
export function describeWorkerAnswer(status: number, text: string): string {
  return `Worker answered ${status}: ${errorText(text)}`
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
 * Why a request got no answer, without what was sent: fetch names a header value it refuses
 * (which may be the token), so such a message is replaced, and the rest is redacted.
 */
function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (/header/i.test(error.message)) {
      return 'fetch refused a request header (its value is not shown); check the token file'
    }
    const cause = (error as { cause?: unknown }).cause
    const detail = cause instanceof Error ? `: ${cause.message}` : ''
    return redactTokens(`${error.message}${detail}`)
  }
  return redactTokens(String(error))
}
