// The relay's calls to the API server: node:http(s) with the TLS settings, credentials and agent
// that client-node's KubeConfig works out (applyToHTTPSOptions, the method its exec and attach
// use). The relay needs no more of client-node: its generated API classes and its fetch stack
// (undici) would cost most of the relay's memory.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest, type RequestOptions } from 'node:https'
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js'

/** One API server call. */
export interface KubeRequest {
  readonly method?: 'GET' | 'POST'
  /** Path below the server URL, e.g. `/api/v1/pods`. */
  readonly path: string
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>>
  /** The Accept header (default `application/json`). */
  readonly accept?: string
  /** Sent as JSON. */
  readonly body?: unknown
  /** For the whole call, answer included. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** A failed call: `status` for an HTTP answer, with the Status body's message in `message`. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError'
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined

  constructor(message: string, status?: number) {
    super(message)
    this.status = status
  }
}

/** Calls the API server: the parsed JSON of a 2xx answer, else a KubeApiError. */
export type KubeRequester = (request: KubeRequest) => Promise<unknown>

/** Opens a GET whose answer is read as it arrives (a watch); resolves once the headers are in. */
export type KubeStreamOpener = (request: {
  readonly path: string
  readonly query: Readonly<Record<string, string | undefined>>
  /** Abandons the call if no headers came by then. */
  readonly headersTimeoutMs: number
  readonly signal: AbortSignal
}) => Promise<IncomingMessage>

/** The API server transport of the current context of `config`. */
export interface KubeTransport {
  readonly request: KubeRequester
  readonly open: KubeStreamOpener
}

/** Creates the transport; every call names the relay in User-Agent. */
export function createKubeTransport(
  config: KubeConfig,
  options: { readonly userAgent: string },
): KubeTransport {
  const send = async (
    request: Omit<KubeRequest, 'timeoutMs'>,
    signal: AbortSignal,
  ): Promise<IncomingMessage> => {
    const cluster = config.getCurrentCluster()
    if (cluster === null)
      throw new KubeApiError('no current cluster in the Kubernetes configuration')
    const url = new URL(cluster.server.replace(/\/+$/, '') + request.path)
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value)
    }
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body))
    const headers: Record<string, string> = {
      Accept: request.accept ?? 'application/json',
      'User-Agent': options.userAgent,
      ...(body === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }),
    }
    const settings: RequestOptions = { method: request.method ?? 'GET', headers }
    // CA, client certificate, bearer token (exec, file and OIDC providers too) and the agent.
    await config.applyToHTTPSOptions(settings)
    const call = url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = call(url, { ...settings, signal }, resolve)
      req.once('error', reject)
      req.end(body)
    })
  }

  const request: KubeRequester = async (call) => {
    const timeout = AbortSignal.timeout(call.timeoutMs)
    const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal])
    let status: number
    let text: string
    try {
      const res = await send(call, signal)
      status = res.statusCode ?? 0
      text = await readText(res)
    } catch (error) {
      if (error instanceof KubeApiError) throw error
      const message = timeout.aborted
        ? `no answer from the API server within ${call.timeoutMs} ms`
        : describeTransportError(error)
      throw new KubeApiError(message)
    }
    if (status < 200 || status > 299) throw new KubeApiError(describeAnswer(status, text), status)
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new KubeApiError(`HTTP ${status}: the API server's answer is not JSON`, status)
    }
  }

  const open: KubeStreamOpener = async (call) => {
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(), call.headersTimeoutMs)
    try {
      return await send(
        { path: call.path, query: call.query },
        AbortSignal.any([timeout.signal, call.signal]),
      )
    } catch (error) {
      if (error instanceof KubeApiError) throw error
      const message = timeout.signal.aborted
        ? `no answer from the API server within ${call.headersTimeoutMs} ms`
        : describeTransportError(error)
      throw new KubeApiError(message)
    } finally {
      clearTimeout(timer)
    }
  }

  return { request, open }
}

/** The whole body of an answer as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res) text += chunk as string
  return text
}

/** `HTTP 403: pods is forbidden: ...`: the Status message when the body is one. */
export function describeAnswer(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown }
    if (typeof body.message === 'string' && body.message !== '') {
      return `HTTP ${status}: ${body.message}`
    }
  } catch {
    // not a Status body: show a prefix of whatever came back
  }
  const prefix = text.trim().slice(0, 200)
  return prefix === '' ? `HTTP ${status}` : `HTTP ${status}: ${prefix}`
}

/**
 * Why no answer came, without what was sent: Node names a header it refuses, and the value may
 * be the bearer token, so such a message is replaced.
 */
function describeTransportError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (/header/i.test(error.message)) {
    return 'a request header was refused (its value is not shown); check the credentials'
  }
  const cause = (error as { cause?: unknown }).cause
  const detail = cause instanceof Error ? ` (${cause.message})` : ''
  return `${error.name}: ${error.message}${detail}`
}
