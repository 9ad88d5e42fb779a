import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import {
  openWatch,
  type WatchLine,
  type WatchStream,
} from '../support/fake-apiserver/watch-client.ts'

let api: FakeApiServer
const streams: WatchStream[] = []

beforeEach(async () => {
  api = await startFakeApiServer({ bookmarkIntervalMs: 100 })
})
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await api.stop()
})

async function watch(query: string, namespace = 'ns'): Promise<WatchStream> {
  const stream = await openWatch(
    `${api.url}/api/v1/namespaces/${namespace}/configmaps?watch=true&${query}`,
  )
  streams.push(stream)
  return stream
}

function meta(line: WatchLine | undefined): {
  name?: string
  namespace?: string
  resourceVersion?: string
  labels?: JsonObject
} {
  return (line?.object?.metadata ?? {}) as { name?: string; resourceVersion?: string }
}

const summary = (lines: readonly WatchLine[]): string[] =>
  lines.map((l) => `${l.type ?? 'RAW'} ${meta(l).name ?? ''}`.trim())

describe('watch stream', () => {
  it('sends one JSON event per HTTP chunk with chunked transfer encoding', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a', data: { k: 'v' } })
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(api.port, '127.0.0.1')
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString()
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
      socket.write(
        'GET /api/v1/namespaces/ns/configmaps?watch=1&timeoutSeconds=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      )
    })
    const [head, body] = splitOnce(raw)
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(head).toMatch(/Transfer-Encoding: chunked/i)
    expect(head).toMatch(/Content-Type: application\/json/i)
    const chunks = parseChunks(body)
    expect(chunks.map((c) => JSON.parse(c).type)).toEqual(['ADDED', 'ADDED'])
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true)
  })

  it('starts with synthetic ADDED events for the current state when resourceVersion is absent', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    api.createConfigMap({ namespace: 'other', name: 'x' })
    const stream = await watch('')
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toBe('application/json')
    expect(summary(await stream.take(1))).toEqual(['ADDED a'])
    api.updateConfigMap('ns', 'a', { data: { k: 'v' } })
    api.createConfigMap({ namespace: 'other', name: 'y' })
    api.deleteConfigMap('ns', 'a')
    const lines = await stream.take(2)
    expect(summary(lines)).toEqual(['MODIFIED a', 'DELETED a'])
    expect(lines[0]?.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      data: { k: 'v' },
    })
  })

  it('replays the changes after a given resourceVersion in increasing order, then goes live', async () => {
    const start = api.resourceVersion()
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    api.updateConfigMap('ns', 'a', { data: { n: '1' } })
    api.deleteConfigMap('ns', 'b')
    const stream = await watch(`resourceVersion=${start}`)
    api.createConfigMap({ namespace: 'ns', name: 'c' })
    const lines = await stream.take(5)
    expect(summary(lines)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b', 'ADDED c'])
    const versions = lines.map((l) => Number(meta(l).resourceVersion))
    expect(versions).toEqual([...versions].sort((x, y) => x - y))
    expect(new Set(versions).size).toBe(versions.length)
    expect(String(versions.at(-1))).toBe(api.resourceVersion())
  })

  it('turns label selector transitions into ADDED and DELETED like the watch cache', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a', labels: { app: 'x' } })
    const stream = await watch(`resourceVersion=${api.resourceVersion()}&labelSelector=app%3Dx`)
    api.updateConfigMap('ns', 'a', { labels: { app: 'y' } })
    const leftAt = api.resourceVersion()
    api.updateConfigMap('ns', 'a', { labels: { app: 'y' }, data: { unseen: '1' } })
    api.updateConfigMap('ns', 'a', { labels: { app: 'x' } })
    api.updateConfigMap('ns', 'a', { labels: { app: 'x' }, data: { k: '2' } })
    const lines = await stream.take(3)
    expect(summary(lines)).toEqual(['DELETED a', 'ADDED a', 'MODIFIED a'])
    // The DELETED object is the last matching state, stamped with the transition's version.
    expect(meta(lines[0]).labels).toEqual({ app: 'x' })
    expect(meta(lines[0]).resourceVersion).toBe(leftAt)
  })

  it('sends BOOKMARK events carrying only the resourceVersion when allowed', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    const stream = await watch(`resourceVersion=${api.resourceVersion()}&allowWatchBookmarks=true`)
    const bookmark = await stream.next()
    expect(bookmark?.type).toBe('BOOKMARK')
    expect(bookmark?.object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: api.resourceVersion(), creationTimestamp: null },
    })
    const plain = await watch(`resourceVersion=${api.resourceVersion()}`)
    await expect(plain.next(400)).rejects.toThrow(/no watch line/)
  })

  it('ends the stream cleanly after timeoutSeconds', async () => {
    const stream = await watch('timeoutSeconds=1')
    expect(await stream.finished()).toBe('end')
    expect(api.openWatches()).toHaveLength(0)
  })

  it('sends an ERROR event with a 410 Expired Status for a compacted resourceVersion, then ends', async () => {
    const old = api.resourceVersion()
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    api.compact()
    const stream = await watch(`resourceVersion=${old}`)
    expect(stream.status).toBe(200)
    const line = await stream.next()
    expect(line?.type).toBe('ERROR')
    expect(line?.object).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${old} (${api.resourceVersion()})`,
      reason: 'Expired',
      code: 410,
    })
    expect(await stream.finished()).toBe('end')
  })

  it('compacts on its own past historyLimit, like a bounded watch cache', async () => {
    const bounded = await startFakeApiServer({ historyLimit: 3 })
    try {
      const start = bounded.resourceVersion()
      for (const name of ['a', 'b', 'c']) bounded.createConfigMap({ namespace: 'ns', name })
      const kept = await openWatch(
        `${bounded.url}/api/v1/namespaces/ns/configmaps?watch=true&resourceVersion=${start}&timeoutSeconds=1`,
      )
      expect((await kept.take(3)).map((l) => l.type)).toEqual(['ADDED', 'ADDED', 'ADDED'])
      bounded.createConfigMap({ namespace: 'ns', name: 'd' })
      const lost = await openWatch(
        `${bounded.url}/api/v1/namespaces/ns/configmaps?watch=true&resourceVersion=${start}`,
      )
      expect((await lost.next())?.object).toMatchObject({ reason: 'Expired', code: 410 })
      kept.close()
    } finally {
      await bounded.stop()
    }
  })

  it('can expire open watches mid-stream with a 410 ERROR event', async () => {
    const stream = await watch('')
    await api.waitForWatches(1)
    api.expireWatches()
    const line = await stream.next()
    expect(line?.type).toBe('ERROR')
    expect(line?.object).toMatchObject({ reason: 'Expired', code: 410 })
    expect(await stream.finished()).toBe('end')
  })

  it('supports sendInitialEvents with the initial-events-end bookmark', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    const stream = await watch(
      'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
    )
    const lines = await stream.take(2)
    expect(summary(lines)).toEqual(['ADDED a', 'BOOKMARK'])
    expect(meta(lines[1])).toMatchObject({
      resourceVersion: api.resourceVersion(),
      annotations: { 'k8s.io/initial-events-end': 'true' },
    })
    const res = await fetch(
      `${api.url}/api/v1/namespaces/ns/configmaps?watch=true&sendInitialEvents=true`,
    )
    expect(res.status).toBe(422)
  })

  it('watches every namespace at /api/v1/configmaps', async () => {
    api.createConfigMap({ namespace: 'one', name: 'a' })
    const stream = await openWatch(`${api.url}/api/v1/configmaps?watch=true`)
    streams.push(stream)
    api.createConfigMap({ namespace: 'two', name: 'b' })
    const lines = await stream.take(2)
    expect(lines.map((l) => `${l.type} ${meta(l).namespace}`)).toEqual(['ADDED one', 'ADDED two'])
  })

  it('gives a watch from a not-yet-reached resourceVersion only the changes after it', async () => {
    const ahead = Number(api.resourceVersion()) + 2
    const stream = await watch(`resourceVersion=${ahead}`)
    api.createConfigMap({ namespace: 'ns', name: 'first' })
    api.createConfigMap({ namespace: 'ns', name: 'second' })
    api.createConfigMap({ namespace: 'ns', name: 'third' })
    expect(summary(await stream.take(1))).toEqual(['ADDED third'])
  })

  it('serves the legacy /watch/ path and single-object watches by fieldSelector', async () => {
    api.createConfigMap({ namespace: 'ns', name: 'a' })
    api.createConfigMap({ namespace: 'ns', name: 'b' })
    const stream = await openWatch(
      `${api.url}/api/v1/watch/namespaces/ns/configmaps?fieldSelector=metadata.name%3Db`,
    )
    streams.push(stream)
    expect(summary(await stream.take(1))).toEqual(['ADDED b'])
    expect(api.openWatches()).toMatchObject([
      { resource: 'configmaps', namespace: 'ns', fieldSelector: 'metadata.name=b' },
    ])
  })
})

function splitOnce(raw: string): [string, string] {
  const index = raw.indexOf('\r\n\r\n')
  return [raw.slice(0, index), raw.slice(index + 4)]
}

// Decodes HTTP/1.1 chunked framing into the chunk payloads (without the final empty chunk).
function parseChunks(body: string): string[] {
  const chunks: string[] = []
  let rest = body
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    const size = Number.parseInt(rest.slice(0, lineEnd), 16)
    if (!(size > 0)) return chunks
    const bytes = Buffer.from(rest.slice(lineEnd + 2), 'utf8')
    chunks.push(bytes.subarray(0, size).toString('utf8'))
    rest = bytes.subarray(size + 2).toString('utf8')
  }
}
