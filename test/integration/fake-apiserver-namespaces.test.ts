import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { openWatch, type WatchStream } from '../support/fake-apiserver/watch-client.ts'
import { type KubeconfigFile, writeKubeconfig } from '../support/kubeconfig.ts'

const run = promisify(execFile)
const KEY = 'injector.tumblr.com/request'
let api: FakeApiServer
const streams: WatchStream[] = []

beforeEach(async () => {
  api = await startFakeApiServer({ bookmarkIntervalMs: 100 })
})
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close()
  await api.stop()
})

async function getJson(path: string): Promise<{ status: number; body: JsonObject }> {
  const response = await fetch(`${api.url}${path}`)
  return { status: response.status, body: (await response.json()) as JsonObject }
}

async function watch(query: string): Promise<WatchStream> {
  const stream = await openWatch(`${api.url}/api/v1/namespaces?watch=true&${query}`)
  streams.push(stream)
  return stream
}

const meta = (object: JsonObject | undefined) =>
  (object?.metadata ?? {}) as {
    name?: string
    namespace?: string
    resourceVersion?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }

describe('namespaces over HTTP, as the apiserver serves them', () => {
  it('lists cluster-scoped NamespaceList items with status, finalizers and the name label', async () => {
    api.createNamespace({ name: 'shop', annotations: { [KEY]: 'logger:v1' } })
    api.createNamespace({ name: 'default' })
    const { status, body } = await getJson('/api/v1/namespaces')
    expect(status).toBe(200)
    expect(body.kind).toBe('NamespaceList')
    const items = body.items as JsonObject[]
    expect(items.map((item) => meta(item).name)).toEqual(['default', 'shop'])
    const shop = items[1]
    expect(meta(shop).namespace).toBeUndefined()
    expect(meta(shop).labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' })
    expect(meta(shop).annotations).toEqual({ [KEY]: 'logger:v1' })
    expect(shop?.spec).toEqual({ finalizers: ['kubernetes'] })
    expect(shop?.status).toEqual({ phase: 'Active' })
    const one = await getJson('/api/v1/namespaces/shop')
    expect(one.body.kind).toBe('Namespace')
    expect((await getJson('/api/v1/namespaces/nope')).status).toBe(404)
  })

  it('selects by label and field, and refuses a name that is not a DNS label', async () => {
    api.createNamespace({ name: 'a', labels: { 'injector.tumblr.com/inject': 'enabled' } })
    api.createNamespace({ name: 'b' })
    const labelled = await getJson(
      `/api/v1/namespaces?labelSelector=${encodeURIComponent('injector.tumblr.com/inject=enabled')}`,
    )
    expect((labelled.body.items as JsonObject[]).map((i) => meta(i).name)).toEqual(['a'])
    const named = await getJson('/api/v1/namespaces?fieldSelector=metadata.name%3Db')
    expect((named.body.items as JsonObject[]).map((i) => meta(i).name)).toEqual(['b'])
    expect(() => api.createNamespace({ name: 'a.b' })).toThrow(/RFC 1123 label/)
  })

  it('streams ADDED, MODIFIED on annotate and un-annotate, DELETED, and bookmarks, from a resourceVersion', async () => {
    api.createNamespace({ name: 'shop' })
    const from = api.resourceVersion()
    const stream = await watch(`resourceVersion=${from}&allowWatchBookmarks=true`)
    api.patchNamespace('shop', { annotations: { [KEY]: 'logger:v1' } })
    api.createNamespace({ name: 'web' })
    api.patchNamespace('shop', { annotations: { [KEY]: null } })
    api.deleteNamespace('web')
    const lines = await stream.take(4)
    expect(lines.map((l) => `${l.type} ${meta(l.object).name}`)).toEqual([
      'MODIFIED shop',
      'ADDED web',
      'MODIFIED shop',
      'DELETED web',
    ])
    expect(meta(lines[0]?.object).annotations).toEqual({ [KEY]: 'logger:v1' })
    expect(meta(lines[2]?.object).annotations).toEqual({})
    expect(lines[0]?.object?.kind).toBe('Namespace')
    const bookmark = await stream.next(2000)
    expect(bookmark?.type).toBe('BOOKMARK')
    expect(meta(bookmark?.object).resourceVersion).toBe(api.resourceVersion())
  })

  it('answers a compacted resourceVersion with a 410 ERROR event, and a list of it with 410', async () => {
    api.createNamespace({ name: 'shop' })
    const old = api.resourceVersion()
    api.patchNamespace('shop', { annotations: { a: 'b' } })
    api.compact()
    const stream = await watch(`resourceVersion=${old}`)
    const [line] = await stream.take(1)
    expect(line?.type).toBe('ERROR')
    expect(line?.object?.code).toBe(410)
    expect(await stream.finished()).toBe('end')
    const list = await getJson(
      `/api/v1/namespaces?resourceVersion=${old}&resourceVersionMatch=Exact`,
    )
    expect(list.status).toBe(410)
  })

  it('keeps status when an update or patch tries to change it, and a no-op patch keeps the resourceVersion', () => {
    api.createNamespace({ name: 'shop' })
    const patched = api.patchNamespace('shop', { labels: { team: 'x' } })
    expect(meta(patched).labels).toEqual({ 'kubernetes.io/metadata.name': 'shop', team: 'x' })
    const again = api.patchNamespace('shop', { labels: { team: 'x' } })
    expect(meta(again).resourceVersion).toBe(meta(patched).resourceVersion)
    expect(api.getNamespace('shop')?.status).toEqual({ phase: 'Active' })
  })
})

describe('namespaces through kubectl', () => {
  let kubeconfig: KubeconfigFile
  let cacheDir: string
  beforeEach(() => {
    kubeconfig = writeKubeconfig({ server: api.url, namespace: 'default' })
    cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'))
  })
  afterEach(() => {
    kubeconfig.remove()
    rmSync(cacheDir, { recursive: true, force: true })
  })
  // kubectl runs asynchronously: a synchronous exec would block the fake's event loop.
  const kubectl = async (...args: string[]): Promise<string> => {
    const base = ['--kubeconfig', kubeconfig.path, '--cache-dir', cacheDir]
    const { stdout } = await run('kubectl', [...base, '--request-timeout', '10s', ...args], {
      timeout: 30_000,
    })
    return stdout
  }

  it('streams namespace changes to kubectl get namespaces --watch-only', async () => {
    api.createNamespace({ name: 'shop' })
    const base = ['--kubeconfig', kubeconfig.path, '--cache-dir', cacheDir]
    const child = spawn('kubectl', [...base, 'get', 'namespaces', '--watch-only', '-o', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    try {
      await api.waitForWatches(1, { resource: 'namespaces' })
      await kubectl('annotate', 'namespace', 'shop', `${KEY}=logger:v1`)
      const deadline = Date.now() + 20_000
      while (!output.includes('logger:v1')) {
        if (Date.now() > deadline) throw new Error(`no annotated namespace in: ${output}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(output).toContain('"kind": "Namespace"')
      expect(output).toContain(`"${KEY}": "logger:v1"`)
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('creates (protobuf body), gets, annotates, labels, un-annotates and deletes a namespace', async () => {
    expect(await kubectl('create', 'namespace', 'shop')).toMatch(/namespace\/shop created/)
    const table = (await kubectl('get', 'namespaces')).trim().split('\n')
    expect(table[0]).toMatch(/^NAME\s+STATUS\s+AGE$/)
    expect(table[1]).toMatch(/^shop\s+Active\s+\d+s$/)

    expect(await kubectl('annotate', 'namespace', 'shop', `${KEY}=logger:v1`)).toMatch(
      /namespace\/shop annotated/,
    )
    expect(meta(api.getNamespace('shop')).annotations).toEqual({ [KEY]: 'logger:v1' })
    await kubectl('label', 'namespace', 'shop', 'injector.tumblr.com/inject=enabled')
    const selected = await kubectl(
      'get',
      'ns',
      '-l',
      'injector.tumblr.com/inject=enabled',
      '-o',
      'name',
    )
    expect(selected.trim()).toBe('namespace/shop')
    const annotation = await kubectl(
      'get',
      'namespace',
      'shop',
      '-o',
      `jsonpath={.metadata.annotations.injector\\.tumblr\\.com/request}`,
    )
    expect(annotation).toBe('logger:v1')

    await kubectl('annotate', 'namespace', 'shop', `${KEY}-`)
    expect(meta(api.getNamespace('shop')).annotations ?? {}).toEqual({})
    expect(await kubectl('delete', 'namespace', 'shop')).toMatch(/namespace "shop" deleted/)
    expect(api.getNamespace('shop')).toBeUndefined()
  })
})
