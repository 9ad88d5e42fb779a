import type { ErrorBody } from '../shared/ingest-api.ts'
import { redactTokens } from '../shared/token-text.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { readTokenFile, readTokenText } from './token-file.ts'
import { parseWorkerUrl } from './worker-url.ts'

// Cloudflare (or a proxy in front of the Worker) may ask to wait a moment: short waits are waited out.
const MAX_RETRY_AFTER_SECONDS = 10
const MAX_ATTEMPTS = 4

/** The flags of every command that calls a scope's sync-token API. */
export interface ScopeFlags {
  readonly worker: string
  readonly cluster: string
  readonly tokenFile?: string
}

/** A scope's API: the Worker base URL (http only to loopback), the scope and its sync token. */
export interface ScopeApi {
  /** `{worker}/v1/clusters/{cluster}` */
  readonly url: string
  readonly cluster: string
  readonly token: string
}

/** Reads `--worker`, `--cluster` and the sync token the way `push` does. */
export function readScopeApi(flags: ScopeFlags, io: CliIo): ScopeApi {
  const workerUrl = parseWorkerUrl(flags.worker, { httpsOnly: false })
  const cluster = readCluster(flags.cluster)
  const token = readSyncToken(flags.tokenFile, io)
  return { url: `${workerUrl}/v1/clusters/${cluster}`, cluster, token }
}

/** Reads a scope's sync token from `--token-file`, else from INJECTOR_SYNC_TOKEN. */
export function readSyncToken(tokenFile: string | undefined, io: CliIo): string {
  if (tokenFile !== undefined) return readTokenFile(tokenFile, '--token-file')
  const text = io.env.INJECTOR_SYNC_TOKEN
  if (text === undefined || text.trim() === '') {
    throw new CliError('no sync token: pass --token-file or set INJECTOR_SYNC_TOKEN')
  }
  return readTokenText(text, 'INJECTOR_SYNC_TOKEN')
}

/** One JSON call to the Worker's sync-token API; a call without `body` sends none. */
export interface WorkerRequest {
  readonly method: string
  readonly url: string
  readonly token: string
  /** What the token is, for the message of a 401; `sync` unless told. */
  readonly tokenKind?: 'sync' | 'fleet'
  readonly body?: unknown
}

/**
 * Sends one JSON request with the sync token and returns the parsed 2xx body. Waits out short
 * `429 Retry-After` answers; any other failure becomes a one-line CliError.
 */
export async function callWorker<T>(io: CliIo, request: WorkerRequest): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await send(io, request)
    if (response.ok) return (await response.json()) as T
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN)
    if (
      response.status === 429 &&
      attempt < MAX_ATTEMPTS &&
      retryAfter <= MAX_RETRY_AFTER_SECONDS
    ) {
      await response.body?.cancel()
      io.err(`the Worker asks to wait ${retryAfter} s before the next write; retrying\n`)
      await new Promise((resolve) => setTimeout(resolve, Math.max(retryAfter, 0) * 1000))
      continue
    }
    const detail = await errorDetail(response)
    switch (response.status) {
      case 401:
        throw new CliError(
          request.tokenKind === 'fleet'
            ? `the Worker refused the fleet token (${response.status}); check the token (sidecar-injector token --fleet)`
            : `the Worker refused the sync token (${response.status}); check --cluster and the token`,
        )
      case 429:
        throw new CliError(
          `the Worker is rate limiting requests; retry in ${response.headers.get('retry-after') ?? 'a few'} s`,
        )
      default:
        throw new CliError(`the Worker answered ${response.status}: ${detail}`)
    }
  }
}

async function send(io: CliIo, request: WorkerRequest): Promise<Response> {
  try {
    const authorization = `Bearer ${request.token}`
    return await io.fetch(request.url, {
      method: request.method,
      ...(request.body === undefined
        ? { headers: { authorization } }
        : {
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify(request.body),
          }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    throw new CliError(`cannot reach the Worker at ${new URL(request.url).origin}: ${cause(error)}`)
  }
}

/**
 * Why a fetch failed, without what was sent: a refused header value is not repeated (it may be
 * the token), and anything token-like left in the message is redacted.
 */
function cause(error: unknown): string {
  if (error instanceof Error && error.cause instanceof Error)
    return redactTokens(error.cause.message)
  const message = error instanceof Error ? error.message : String(error)
  if (/header/i.test(message)) return 'a request header was refused (its value is not shown)'
  return redactTokens(message)
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>
    if (typeof body.error === 'string') return redactTokens(body.error)
  } catch {}
  return redactTokens(text.slice(0, 200)) || response.statusText
}
