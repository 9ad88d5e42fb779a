import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ClusterStatusReport, PodReport } from '../../shared/fleet-api.ts'
import type { IngestRequest, IngestResponse } from '../../shared/ingest-api.ts'

/** One request the recorder accepted, with its parsed body. */
export interface RecordedCall<T> {
  readonly cluster: string
  readonly at: number
  readonly body: T
  /** The `x-relay-instance` header the relay named itself in, if any. */
  readonly instance: string | undefined
}

/** How the stand-in answers the fleet routes: as a Worker with them, or an older one (404). */
export type FleetRoutes = 'present' | 'absent'

/**
 * A stand-in for the Worker's cluster routes: it accepts config pushes (every config stored),
 * and records heartbeats and pod reports, checking the sync token. For relay tests that are
 * about what the relay sends, not about what the Worker does with it.
 */
export interface FleetRecorder {
  readonly url: string
  statuses(): readonly RecordedCall<ClusterStatusReport>[]
  podReports(): readonly RecordedCall<PodReport>[]
  pushes(): readonly RecordedCall<IngestRequest>[]
  /** Requests refused for a missing or wrong token. */
  unauthorized(): number
  setFleetRoutes(routes: FleetRoutes): void
  stop(): Promise<void>
}

/** Starts the stand-in on 127.0.0.1; `token` is the sync token every request must carry. */
export async function startFleetRecorder(options: {
  readonly token: string
  readonly fleetRoutes?: FleetRoutes
}): Promise<FleetRecorder> {
  const statuses: RecordedCall<ClusterStatusReport>[] = []
  const podReports: RecordedCall<PodReport>[] = []
  const pushes: RecordedCall<IngestRequest>[] = []
  let unauthorized = 0
  let routes = options.fleetRoutes ?? 'present'
  const started = Date.now()

  const answer = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let text = ''
    req.setEncoding('utf8')
    for await (const chunk of req) text += chunk as string
    const match = /^\/v1\/clusters\/([^/]+)\/(configs|status|pods)$/.exec(req.url ?? '')
    if (req.method !== 'PUT' || match === null) return answer(res, 404, { error: 'not found' })
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      unauthorized += 1
      return answer(res, 401, { error: 'unauthorized' })
    }
    const cluster = decodeURIComponent(match[1] ?? '')
    const header = req.headers['x-relay-instance']
    const call = {
      cluster,
      at: Date.now() - started,
      body: JSON.parse(text) as never,
      instance: typeof header === 'string' ? header : undefined,
    }
    switch (match[2]) {
      case 'configs': {
        pushes.push(call)
        const request = call.body as IngestRequest
        const response: IngestResponse = {
          cluster,
          results: request.configs.map((entry, index) => ({
            index,
            status: 'accepted',
            ref: `config-${index}:v1`,
            hash: '0'.repeat(64),
            source: entry.source,
          })),
          stored: request.configs.map((_, index) => `config-${index}:v1`),
          removed: [],
          unchanged: false,
          kvOps: { reads: 0, writes: 1 },
          revision: pushes.length,
          published: true,
          pinned: false,
        }
        return answer(res, 200, response)
      }
      case 'status':
        if (routes === 'absent') return answer(res, 404, { error: 'not found' })
        statuses.push(call)
        return answer(res, 200, { ok: true })
      default:
        if (routes === 'absent') return answer(res, 404, { error: 'not found' })
        podReports.push(call)
        return answer(res, 200, { ok: true })
    }
  }
  const server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 400, { error: 'unreadable body' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses: () => statuses,
    podReports: () => podReports,
    pushes: () => pushes,
    unauthorized: () => unauthorized,
    setFleetRoutes: (next) => {
      routes = next
    },
    stop: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
