import { afterEach, beforeEach, expect, it } from 'vitest'
import { createNamespaceListWatch } from '../../relay/kube-client.ts'
import { createKubeTransport } from '../../relay/kube-request.ts'
import type { NamespaceRecord } from '../../relay/namespace-default.ts'
import type { WatchEnd, WatchEvent, WatchHandle } from '../../relay/reflector.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { loadKubeConfig } from '../support/kubeconfig.ts'

const KEY = 'injector.tumblr.com/request'
let api: FakeApiServer
const handles: WatchHandle[] = []

beforeEach(async () => {
  api = await startFakeApiServer({ bookmarkIntervalMs: 100 })
})
afterEach(async () => {
  for (const handle of handles.splice(0)) handle.abort()
  await api.stop()
})

function client() {
  const transport = createKubeTransport(loadKubeConfig({ server: api.url }), {
    userAgent: 'relay-test',
  })
  return createNamespaceListWatch(transport, { listTimeoutMs: 5000, requestKey: KEY })
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

it('lists namespaces cluster-wide into records that keep the request annotation only', async () => {
  api.createNamespace({ name: 'shop', annotations: { [KEY]: ' logger:v1 ', other: 'x' } })
  api.createNamespace({ name: 'plain', labels: { team: 'a' } })
  const list = await client().list()
  expect(list.resourceVersion).toBe(api.resourceVersion())
  expect(list.items).toEqual([
    { name: 'plain', resourceVersion: expect.stringMatching(/^\d+$/) },
    { name: 'shop', resourceVersion: expect.stringMatching(/^\d+$/), request: 'logger:v1' },
  ])
  const [request] = api.requests({ verb: 'list', resource: 'namespaces' })
  expect(request?.url).toBe('/api/v1/namespaces')
  expect(request?.userAgent).toBe('relay-test')
})

it('watches from a resourceVersion with bookmarks, decoding each event into a record', async () => {
  api.createNamespace({ name: 'shop' })
  const from = api.resourceVersion()
  const events: WatchEvent<NamespaceRecord>[] = []
  const ends: WatchEnd[] = []
  handles.push(
    await client().watch(
      from,
      (event) => events.push(event),
      (end) => ends.push(end),
    ),
  )
  await api.waitForWatches(1, { resource: 'namespaces' })
  api.patchNamespace('shop', { annotations: { [KEY]: 'logger:v1' } })
  api.patchNamespace('shop', { annotations: { [KEY]: 'a:b:c' } })
  api.deleteNamespace('shop')
  await until('three changes and a bookmark', () => events.length >= 4)
  expect(events.slice(0, 3)).toEqual([
    { type: 'MODIFIED', object: expect.objectContaining({ name: 'shop', request: 'logger:v1' }) },
    {
      type: 'MODIFIED',
      object: expect.objectContaining({
        name: 'shop',
        problem: `${KEY}: "a:b:c" has more than one ":"; expected name[:version]`,
      }),
    },
    { type: 'DELETED', object: expect.objectContaining({ name: 'shop' }) },
  ])
  expect(events[3]).toEqual({ type: 'BOOKMARK', resourceVersion: api.resourceVersion() })
  const [watch] = api.requests({ verb: 'watch', resource: 'namespaces' })
  expect(watch?.query).toMatchObject({ resourceVersion: from, allowWatchBookmarks: 'true' })
  expect(ends).toEqual([])
})

it('ends with the 410 ERROR event when the resourceVersion was compacted away', async () => {
  api.createNamespace({ name: 'shop' })
  const old = api.resourceVersion()
  api.patchNamespace('shop', { labels: { a: 'b' } })
  api.compact()
  const events: WatchEvent<NamespaceRecord>[] = []
  const ends: WatchEnd[] = []
  handles.push(
    await client().watch(
      old,
      (event) => events.push(event),
      (end) => ends.push(end),
    ),
  )
  await until('the end of the stream', () => ends.length > 0)
  expect(events).toEqual([
    { type: 'ERROR', code: 410, message: expect.stringContaining('too old') },
  ])
})
