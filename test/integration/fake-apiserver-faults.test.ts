import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { openWatch, type WatchStream } from '../support/fake-apiserver/watch-client.ts'

type StatusBody = {
  kind: string
  reason: string
  code: number
  message: string
  details?: { retryAfterSeconds?: number }
}

let api: FakeApiServer
const streams: WatchStream[] = []
const list = (): string => `${api.url}/api/v1/namespaces/ns/configmaps`

async function watch(query = ''): Promise<WatchStream> {
  const stream = await openWatch(`${list()}?watch=true&${query}`)
  streams.push(stream)
  return stream
}

beforeEach(async () => {
  api = await startFakeApiServer()
  api.createConfigMap({ namespace: 'ns', name: 'a' })
})
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await api.stop()
})

describe('status faults', () => {
  it('answers 429 with Retry-After for the next N matching requests only', async () => {
    const fault = api.injectFault({
      type: 'status',
      code: 429,
      retryAfterSeconds: 7,
      verb: 'list',
      times: 2,
    })
    for (let i = 0; i < 2; i++) {
      const res = await fetch(list())
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('7')
      expect(await res.json()).toMatchObject({
        kind: 'Status',
        reason: 'TooManyRequests',
        code: 429,
        details: { retryAfterSeconds: 7 },
      })
    }
    expect((await fetch(list())).status).toBe(200)
    expect(fault.hits()).toBe(2)
    expect(api.requests({ verb: 'list' }).map((r) => [r.fault, r.status])).toEqual([
      ['status', 429],
      ['status', 429],
      [undefined, 200],
    ])
  })

  it.each([
    [500, 'InternalError'],
    [403, 'Forbidden'],
    [503, 'ServiceUnavailable'],
    [410, 'Expired'],
  ])('answers %i with a %s Status until cleared', async (code, reason) => {
    const fault = api.injectFault({ type: 'status', code, resource: 'configmaps' })
    for (let i = 0; i < 3; i++) {
      const res = await fetch(list())
      expect(res.status).toBe(code)
      expect(((await res.json()) as StatusBody).reason).toBe(reason)
    }
    fault.clear()
    expect((await fetch(list())).status).toBe(200)
  })

  it('words a 403 like RBAC does, naming verb, resource and namespace', async () => {
    api.injectFault({ type: 'status', code: 403, verb: 'watch' })
    const res = await fetch(`${list()}?watch=true`)
    const body = (await res.json()) as StatusBody
    expect(body.message).toBe(
      'configmaps is forbidden: User "system:serviceaccount:default:default" cannot watch resource "configmaps" in API group "" in the namespace "ns"',
    )
    // The watch fault leaves lists alone.
    expect((await fetch(list())).status).toBe(200)
  })
})

describe('connection faults', () => {
  it('hangs: accepts the request and never answers', async () => {
    api.injectFault({ type: 'hang', verb: 'get', times: 1 })
    const hung = fetch(`${list()}/a`, { signal: AbortSignal.timeout(300) })
    await expect(hung).rejects.toThrow(/timeout|aborted/i)
    expect(api.requestCount({ verb: 'get' })).toBe(1)
    expect((await fetch(`${list()}/a`)).status).toBe(200)
  })

  it('delays an answer by at least the given time', async () => {
    api.injectFault({ type: 'delay', ms: 200, verb: 'list', times: 1 })
    const started = performance.now()
    const res = await fetch(list())
    expect(res.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  it('drops a non-watch request by destroying the socket', async () => {
    api.injectFault({ type: 'drop', verb: 'list', times: 1 })
    await expect(fetch(list())).rejects.toThrow()
    expect((await fetch(list())).status).toBe(200)
  })

  it('makes the server unreachable and back on the same port with state kept', async () => {
    const stream = await watch()
    await stream.take(1)
    const port = api.port
    await api.goOffline()
    expect(await stream.finished()).toBe('error')
    await expect(fetch(list())).rejects.toThrow()
    api.createConfigMap({ namespace: 'ns', name: 'while-down' })
    await api.goOnline()
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/ns/configmaps`)
    const body = (await res.json()) as { items: { metadata: { name: string } }[] }
    expect(body.items.map((i) => i.metadata.name)).toEqual(['a', 'while-down'])
  })
})

describe('watch faults', () => {
  it('drops a watch mid-stream after N events', async () => {
    api.injectFault({ type: 'drop', verb: 'watch', afterEvents: 2, times: 1 })
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    const stream = await watch()
    expect((await stream.take(5)).map((l) => l.type)).toEqual(['ADDED', 'ADDED'])
    expect(await stream.finished()).toBe('error')
    expect(api.openWatches()).toHaveLength(0)
  })

  it('drops every open watch on demand', async () => {
    const stream = await watch()
    await api.waitForWatches(1)
    api.dropWatches()
    expect(await stream.finished()).toBe('error')
  })

  it('stalls a watch: no more events or bookmarks, socket kept open', async () => {
    const stalled = await startFakeApiServer({ bookmarkIntervalMs: 50 })
    try {
      stalled.createConfigMap({ namespace: 'ns', name: 'a' })
      stalled.injectFault({ type: 'stall', verb: 'watch', afterEvents: 1 })
      const stream = await openWatch(
        `${stalled.url}/api/v1/namespaces/ns/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=1`,
      )
      streams.push(stream)
      expect((await stream.next())?.type).toBe('ADDED')
      stalled.createConfigMap({ namespace: 'ns', name: 'b' })
      // Even past timeoutSeconds nothing arrives and the stream stays open.
      await expect(stream.next(1500)).rejects.toThrow(/no watch line/)
      expect(stalled.openWatches()).toHaveLength(1)
    } finally {
      await stalled.stop()
    }
  })

  it('stalls every open watch on demand', async () => {
    const stream = await watch()
    await stream.take(1)
    api.stallWatches()
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    await expect(stream.next(300)).rejects.toThrow(/no watch line/)
  })

  it('writes a garbled line into a watch, then carries on', async () => {
    api.injectFault({ type: 'garble', verb: 'watch', afterEvents: 1, times: 1 })
    const stream = await watch()
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    const lines = await stream.take(3)
    expect(lines.map((l) => l.type ?? 'GARBLED')).toEqual(['ADDED', 'GARBLED', 'ADDED'])
    expect(() => JSON.parse(lines[1]?.raw ?? '')).toThrow()
  })

  it('ends open watches cleanly on demand', async () => {
    const stream = await watch()
    await api.waitForWatches(1)
    api.closeWatches()
    expect(await stream.finished()).toBe('end')
  })
})
