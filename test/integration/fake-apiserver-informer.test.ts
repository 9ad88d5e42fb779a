import {
  CoreV1Api,
  type Informer,
  makeInformer,
  type ObjectCache,
  type V1ConfigMap,
} from '@kubernetes/client-node'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { loadKubeConfig } from '../support/kubeconfig.ts'

const LABELS = { app: 'k8s-sidecar-injector' }
const SELECTOR = 'app=k8s-sidecar-injector'

let api: FakeApiServer
let informer: (Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>) | undefined
let seen: string[] = []
let errors: unknown[] = []

beforeEach(async () => {
  api = await startFakeApiServer()
})
afterEach(async () => {
  await informer?.stop()
  informer = undefined
  await api.stop()
})

function startInformer(): Promise<void> {
  const config = loadKubeConfig({ server: api.url })
  const core = config.makeApiClient(CoreV1Api)
  const created = makeInformer<V1ConfigMap>(
    config,
    '/api/v1/namespaces/ns/configmaps',
    () => core.listNamespacedConfigMap({ namespace: 'ns', labelSelector: SELECTOR }),
    SELECTOR,
  )
  // Fresh arrays per informer: a stopped informer still reports its abort as an error.
  const ownSeen: string[] = []
  const ownErrors: unknown[] = []
  seen = ownSeen
  errors = ownErrors
  for (const verb of ['add', 'update', 'delete'] as const) {
    created.on(verb, (object) => ownSeen.push(`${verb} ${object.metadata?.name ?? '?'}`))
  }
  created.on('error', (error) => ownErrors.push(error))
  informer = created
  return created.start()
}

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; seen: ${seen.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const cached = (): string[] =>
  (informer?.list('ns') ?? [])
    .map((o) => `${o.metadata?.name}=${JSON.stringify(o.data ?? {})}`)
    .sort()
const stored = (): string[] =>
  api
    .listConfigMaps('ns')
    .filter((o) => JSON.stringify(o.metadata).includes('"app":"k8s-sidecar-injector"'))
    .map((o) => `${(o.metadata as { name: string }).name}=${JSON.stringify(o.data ?? {})}`)
    .sort()

it("drives client-node's informer through add, update and delete, including selector transitions", async () => {
  api.createConfigMap({ namespace: 'ns', name: 'a', labels: LABELS, data: { 'a.yaml': '1' } })
  api.createConfigMap({ namespace: 'ns', name: 'other', data: { x: '1' } })
  await startInformer()
  await api.waitForWatches(1)
  expect(seen).toEqual(['add a'])
  expect(api.openWatches()[0]).toMatchObject({
    labelSelector: SELECTOR,
    resourceVersion: api.resourceVersion(),
  })

  api.createConfigMap({ namespace: 'ns', name: 'b', labels: LABELS })
  api.updateConfigMap('ns', 'a', { data: { 'a.yaml': '2' } })
  api.updateConfigMap('ns', 'other', { data: { x: '2' } })
  api.deleteConfigMap('ns', 'b')
  api.updateConfigMap('ns', 'other', { labels: LABELS })
  api.updateConfigMap('ns', 'a', { labels: { app: 'something-else' } })
  await until('six callbacks', () => seen.length >= 6)
  expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b', 'add other', 'delete a'])
  expect(cached()).toEqual(stored())
  expect(errors).toEqual([])
  expect(api.requestCount({ verb: 'list' })).toBe(1)
})

it('relists after a 410 and converges, deleting what vanished during the gap', async () => {
  api.createConfigMap({ namespace: 'ns', name: 'keep', labels: LABELS, data: { k: '1' } })
  api.createConfigMap({ namespace: 'ns', name: 'doomed', labels: LABELS })
  api.createConfigMap({ namespace: 'ns', name: 'noise' })
  await startInformer()
  await api.waitForWatches(1)
  await until('initial adds', () => seen.length === 2)

  // Hold the informer's next watch request, change things meanwhile and compact the history,
  // so it resumes from a resourceVersion that no longer exists.
  api.injectFault({ type: 'delay', ms: 300, verb: 'watch', times: 1 })
  api.closeWatches()
  await until('the reconnecting watch', () => api.requestCount({ verb: 'watch' }) === 2)
  api.deleteConfigMap('ns', 'doomed')
  api.updateConfigMap('ns', 'keep', { data: { k: '2' } })
  api.createConfigMap({ namespace: 'ns', name: 'fresh', labels: LABELS })
  api.updateConfigMap('ns', 'noise', { data: { n: '1' } })
  api.compact()

  await until('the relist', () => api.requestCount({ verb: 'list' }) === 2)
  await until('convergence', () => JSON.stringify(cached()) === JSON.stringify(stored()))
  expect(seen.slice(2).sort()).toEqual(['add fresh', 'delete doomed', 'update keep'])
  // The resumed watch asked for a compacted version: that is what forced the relist.
  const resumedFrom = Number(api.requests({ verb: 'watch' })[1]?.query.resourceVersion)
  expect(resumedFrom).toBeLessThan(Number(api.resourceVersion()))
  expect(errors).toEqual([])
  await api.waitForWatches(1)
  const resumed = api.openWatches()[0]
  expect(resumed?.resourceVersion).toBe(api.resourceVersion())
})

it('shows client-node skipping a garbled watch line and stopping with an error on a dropped watch', async () => {
  api.injectFault({ type: 'garble', verb: 'watch', afterEvents: 0, times: 1 })
  await startInformer()
  await api.waitForWatches(1)
  api.createConfigMap({ namespace: 'ns', name: 'after-garble', labels: LABELS })
  await until('the event after the garbled line', () => seen.includes('add after-garble'))
  expect(errors).toEqual([])

  api.dropWatches()
  await until('the error callback', () => errors.length === 1)
  // client-node does not restart by itself after a non-410 failure: no new watch is opened.
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(api.requestCount({ verb: 'watch' })).toBe(1)
})
