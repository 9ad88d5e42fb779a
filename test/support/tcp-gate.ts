import { type AddressInfo, connect, createServer, type Socket } from 'node:net'

/** A TCP pass-through on 127.0.0.1 that can be shut, making its target unreachable. */
export interface TcpGate {
  readonly url: string
  readonly port: number
  /** Resets every open connection and every new one until `open()`. */
  close(): void
  open(): void
  /** Connection attempts seen since start (or since `since`, a `Date.now()` value). */
  attempts(since?: number): number
  stop(): Promise<void>
}

/** Starts a gate in front of `target` (`host:port` or URL); it starts open. */
export async function startTcpGate(target: string): Promise<TcpGate> {
  const url = new URL(target.includes('://') ? target : `http://${target}`)
  const pairs = new Set<Socket>()
  const attemptTimes: number[] = []
  let isOpen = true
  const server = createServer((client) => {
    attemptTimes.push(Date.now())
    // A reset, not a clean close, so clients see the failure a dead host or firewall gives.
    if (!isOpen) {
      client.resetAndDestroy()
      return
    }
    const upstream = connect({ host: url.hostname, port: Number(url.port) })
    pairs.add(client)
    pairs.add(upstream)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
      pairs.delete(client)
      pairs.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const resetAll = (): void => {
    for (const socket of pairs) {
      if (socket.remotePort !== Number(url.port)) socket.resetAndDestroy()
      else socket.destroy()
    }
    pairs.clear()
  }
  return {
    url: `${url.protocol}//127.0.0.1:${port}`,
    port,
    close: () => {
      isOpen = false
      resetAll()
    },
    open: () => {
      isOpen = true
    },
    attempts: (since = 0) => attemptTimes.filter((t) => t >= since).length,
    stop: async () => {
      isOpen = false
      resetAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
