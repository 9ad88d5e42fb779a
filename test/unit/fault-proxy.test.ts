import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FaultProxy, startFaultProxy, tokenFingerprint } from '../support/fault-proxy.ts'

interface Seen {
  readonly method: string
  readonly url: string
  readonly body: string
  readonly auth: string | undefined
}

let upstream: Server
let seen: Seen[]
let upstreamUrl: string
const proxies: FaultProxy[] = []

beforeEach(async () => {
  seen = []
  upstream = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        auth: req.headers.authorization,
      })
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' })
      res.end(JSON.stringify({ echoed: body }))
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
})

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.stop()
  await new Promise<void>((r) => upstream.close(() => r()))
})

async function proxy(options: Parameters<typeof startFaultProxy>[0]): Promise<FaultProxy> {
  const started = await startFaultProxy(options)
  proxies.push(started)
  return started
}

const PATH = '/v1/clusters/c1/configs'

function put(base: string, body = '{"configs":[]}'): Promise<Response> {
  return fetch(`${base}${PATH}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(3000),
  })
}

describe('fault proxy', () => {
  it('forwards method, path, headers and body, and relays the answer', async () => {
    const p = await proxy({ target: upstreamUrl })
    const res = await put(p.url, '{"configs":[1]}')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-upstream')).toBe('yes')
    expect(await res.json()).toEqual({ echoed: '{"configs":[1]}' })
    expect(seen).toEqual([{ method: 'PUT', url: PATH, body: '{"configs":[1]}', auth: 'Bearer t' }])
    expect(p.count({ method: 'PUT', path: PATH, outcome: 'forwarded', status: 200 })).toBe(1)
    expect(p.count({ token: tokenFingerprint('t') })).toBe(1)
    expect(p.count({ token: tokenFingerprint('u') })).toBe(0)
  })

  it('answers a scripted 429 with Retry-After without reaching the Worker', async () => {
    const p = await proxy({ target: upstreamUrl })
    p.script({ kind: 'status', status: 429, retryAfterSeconds: 3 }, { kind: 'status', status: 503 })
    const first = await put(p.url)
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('3')
    expect((await put(p.url)).status).toBe(503)
    expect((await put(p.url)).status).toBe(200)
    expect(seen).toHaveLength(1)
    expect(p.count({ outcome: 'status' })).toBe(2)
  })

  it('applies a lost reply upstream but drops the client connection', async () => {
    const p = await proxy({ target: upstreamUrl })
    p.script({ kind: 'lost-reply' })
    await expect(put(p.url, '{"configs":["x"]}')).rejects.toThrow()
    expect(seen.map((s) => s.body)).toEqual(['{"configs":["x"]}'])
    expect(p.count({ outcome: 'lost-reply' })).toBe(1)
  })

  it('holds a timed-out request without forwarding it', async () => {
    const p = await proxy({ target: upstreamUrl, holdMs: 300 })
    p.script({ kind: 'timeout' })
    await expect(put(p.url)).rejects.toThrow()
    expect(seen).toHaveLength(0)
    expect(p.count({ outcome: 'timeout' })).toBe(1)
  })

  it('never faults requests outside the ingest PUT by default', async () => {
    const p = await proxy({ target: upstreamUrl, faultRate: 1 })
    const res = await fetch(`${p.url}${PATH}`, { signal: AbortSignal.timeout(3000) })
    expect(res.status).toBe(200)
    expect(p.count({ method: 'GET', outcome: 'forwarded' })).toBe(1)
  })

  it('draws the same faults from the same seed', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const p = await proxy({
        target: upstreamUrl,
        seed,
        faultRate: 0.5,
        faults: [
          { kind: 'status', status: 500 },
          { kind: 'status', status: 502 },
        ],
      })
      const out: number[] = []
      for (let i = 0; i < 20; i++) out.push((await put(p.url)).status)
      return out
    }
    const first = await statuses(42)
    expect(await statuses(42)).toEqual(first)
    expect(new Set(first)).toEqual(new Set([200, 500, 502]))
    expect(await statuses(7)).not.toEqual(first)
  })
})
