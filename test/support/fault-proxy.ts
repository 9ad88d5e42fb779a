import { createHash } from 'node:crypto'
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createSeededRandom } from './seeded-random.ts'

/** A failure the proxy can answer a request with instead of a clean pass-through. */
export type SinkFault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  /** Never forwarded; the request is held until the client gives up (or `holdMs` passes). */
  | { readonly kind: 'timeout' }
  /** Forwarded, so the Worker applies it, then the client socket is destroyed before the reply. */
  | { readonly kind: 'lost-reply' }

/** What happened to one request. */
export type ProxyOutcome =
  | 'forwarded'
  | 'status'
  | 'timeout'
  | 'lost-reply'
  | 'upstream-error'
  | 'client-gone'

/** One request as the proxy saw it. */
export interface ProxyRecord {
  readonly method: string
  readonly path: string
  readonly outcome: ProxyOutcome
  /** Status sent to the client (injected or from the Worker); absent when none was sent. */
  readonly status?: number | undefined
  /** `tokenFingerprint` of the bearer token sent, so tests can tell tokens apart without keeping them. */
  readonly token?: string | undefined
  readonly startedAt: number
  readonly endedAt: number
}

/** Counts per method, path and outcome; omitted fields match anything. */
export interface ProxyFilter {
  readonly method?: string
  readonly path?: string | RegExp
  readonly outcome?: ProxyOutcome
  readonly status?: number | undefined
  readonly token?: string | undefined
}

export interface FaultProxyOptions {
  /** Base URL of the Worker, e.g. `http://127.0.0.1:8787`. */
  readonly target: string
  /** Probability that an eligible request gets a random fault (default 0). */
  readonly faultRate?: number
  /** Faults drawn from uniformly when the dice say so (default: every kind). */
  readonly faults?: readonly SinkFault[]
  readonly seed?: number
  /** Which requests may be faulted (default: `PUT /v1/clusters/{cluster}/configs`). */
  readonly eligible?: (method: string, path: string) => boolean
  /** How long a `timeout` fault holds a request before dropping it (default 30 s). */
  readonly holdMs?: number
}

/** An HTTP proxy on 127.0.0.1 in front of the Worker that injects sink faults. */
export interface FaultProxy {
  readonly url: string
  /** Queues faults for the next eligible requests, ahead of the random ones. */
  script(...faults: readonly (SinkFault | 'pass')[]): void
  /** Changes the random fault probability from now on. */
  setFaultRate(rate: number): void
  records(): readonly ProxyRecord[]
  count(filter?: ProxyFilter): number
  /** Forgets the records seen so far (e.g. after start-up). */
  clearRecords(): void
  stop(): Promise<void>
}

/** Every fault kind the issue lists: 429 with Retry-After, 5xx, timeouts and lost replies. */
export const ALL_SINK_FAULTS: readonly SinkFault[] = [
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 502 },
  { kind: 'status', status: 503 },
  { kind: 'timeout' },
  { kind: 'lost-reply' },
]

const INGEST_PATH = /^\/v1\/clusters\/[^/]+\/configs$/

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const random = createSeededRandom(options.seed ?? 1)
  const faults = options.faults ?? ALL_SINK_FAULTS
  const eligible =
    options.eligible ?? ((method, path) => method === 'PUT' && INGEST_PATH.test(path))
  const holdMs = options.holdMs ?? 30_000
  let faultRate = options.faultRate ?? 0
  const queue: (SinkFault | 'pass')[] = []
  let log: ProxyRecord[] = []
  const sockets = new Set<Socket>()
  const held = new Set<NodeJS.Timeout>()

  const chooseFault = (method: string, path: string): SinkFault | undefined => {
    if (!eligible(method, path)) return undefined
    const scripted = queue.shift()
    if (scripted !== undefined) return scripted === 'pass' ? undefined : scripted
    return random.chance(faultRate) ? random.pick(faults) : undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = Date.now()
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', 'http://proxy').pathname
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const token = bearer === undefined ? undefined : tokenFingerprint(bearer)
    const record = (outcome: ProxyOutcome, status?: number): void => {
      log.push({ method, path, outcome, status, token, startedAt, endedAt: Date.now() })
    }
    const body = await readBody(req)
    const fault = chooseFault(method, path)
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds)
      }
      res.writeHead(fault.status, headers)
      res.end(JSON.stringify({ error: `injected fault ${fault.status}` }))
      record('status', fault.status)
      return
    }
    if (fault?.kind === 'timeout') {
      // Held, never forwarded: the client must time out on its own.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          held.delete(timer)
          resolve()
        }, holdMs)
        held.add(timer)
        req.socket.once('close', () => {
          clearTimeout(timer)
          held.delete(timer)
          resolve()
        })
      })
      req.socket.destroy()
      record('timeout')
      return
    }
    try {
      const upstream = await forward(target, req, body)
      if (fault?.kind === 'lost-reply') {
        // The Worker has applied the write; the client never learns.
        req.socket.destroy()
        record('lost-reply', upstream.status)
        return
      }
      if (req.socket.destroyed) {
        record('client-gone', upstream.status)
        return
      }
      res.writeHead(upstream.status, upstream.headers)
      res.end(upstream.body)
      record('forwarded', upstream.status)
    } catch {
      req.socket.destroy()
      record('upstream-error')
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    script: (...items) => {
      queue.push(...items)
    },
    setFaultRate: (rate) => {
      faultRate = rate
    },
    records: () => log,
    count: (filter = {}) => log.filter((r) => matches(r, filter)).length,
    clearRecords: () => {
      log = []
    },
    stop: async () => {
      for (const timer of held) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A short, one-way tag of a token (first 12 hex digits of its SHA-256). */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12)
}

function matches(record: ProxyRecord, filter: ProxyFilter): boolean {
  if (filter.method !== undefined && record.method !== filter.method) return false
  if (filter.outcome !== undefined && record.outcome !== filter.outcome) return false
  if (filter.status !== undefined && record.status !== filter.status) return false
  if (filter.token !== undefined && record.token !== filter.token) return false
  if (typeof filter.path === 'string' && record.path !== filter.path) return false
  if (filter.path instanceof RegExp && !filter.path.test(record.path)) return false
  return true
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

interface UpstreamReply {
  readonly status: number
  readonly headers: Record<string, string | string[]>
  readonly body: Buffer
}

// Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded; the body is sent with a fixed length.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te'])

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<UpstreamReply> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  }
  headers.host = target.host
  headers['content-length'] = String(body.length)
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (reply) => {
        const chunks: Buffer[] = []
        reply.on('data', (chunk: Buffer) => chunks.push(chunk))
        reply.on('error', reject)
        reply.on('end', () => {
          const out: Record<string, string | string[]> = {}
          for (const [name, value] of Object.entries(reply.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') {
              out[name] = value
            }
          }
          resolve({ status: reply.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) })
        })
      },
    )
    upstream.on('error', reject)
    upstream.end(body)
  })
}
