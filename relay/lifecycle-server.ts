import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface LifecycleOptions {
  readonly port: number
  readonly host?: string
  readonly registry: Registry
  /** Undefined when ready, else the reason it is not. */
  readonly notReadyReason: () => string | undefined
}

/** The lifecycle port: `/healthz`, `/readyz`, `/metrics`. */
export interface LifecycleServer {
  readonly port: number
  close(): Promise<void>
}

/** Starts the lifecycle HTTP server; resolves once it listens. */
export async function startLifecycleServer(options: LifecycleOptions): Promise<LifecycleServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
    } else if (path === '/readyz') {
      const reason = options.notReadyReason()
      res
        .writeHead(reason === undefined ? 200 : 503, { 'content-type': 'text/plain' })
        .end(reason === undefined ? 'ready\n' : `not ready: ${reason}\n`)
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      )
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
  })
  // Kubelet probes and scrapes come over the pod network, so listen on every interface.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
