import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { type KubeconfigFile, writeKubeconfig } from '../support/kubeconfig.ts'

const run = promisify(execFile)
const METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'
const STAMP = 'injector.tumblr.com/injected'

interface ListBody {
  kind: string
  apiVersion: string
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }
  items: { kind?: string; apiVersion?: string; metadata: Record<string, unknown>; spec?: unknown }[]
}
interface StatusBody {
  kind: string
  apiVersion: string
  metadata: { continue?: string }
  status: string
  message: string
  reason: string
  code: number
  details?: { causes?: { field: string; message: string }[] }
}

let api: FakeApiServer
let kubeconfig: KubeconfigFile
let cacheDir: string
// 3 namespaces x 10 pods, a third of them stamped.
const seeded = Array.from({ length: 30 }, (_, i) => ({
  namespace: ['alpha', 'beta', 'gamma'][i % 3] ?? 'alpha',
  name: `pod-${String(i).padStart(2, '0')}`,
  ...(i % 3 === 0 ? { annotations: { [STAMP]: 'logger:v1@0a1b2c3d' } } : {}),
}))

beforeAll(async () => {
  api = await startFakeApiServer()
  api.seedPods(seeded)
  kubeconfig = writeKubeconfig({ server: api.url, namespace: 'alpha' })
  cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'))
})
afterAll(async () => {
  await api.stop()
  kubeconfig.remove()
  rmSync(cacheDir, { recursive: true, force: true })
})

// kubectl runs asynchronously: a synchronous exec would block the fake's event loop.
async function kubectl(...args: string[]): Promise<string> {
  const base = [
    '--kubeconfig',
    kubeconfig.path,
    '--cache-dir',
    cacheDir,
    '--request-timeout',
    '10s',
  ]
  const { stdout } = await run('kubectl', [...base, ...args], { timeout: 30_000 })
  return stdout
}

async function get<T>(path: string, accept = 'application/json') {
  const res = await fetch(`${api.url}${path}`, { headers: { accept } })
  return { status: res.status, body: (await res.json()) as T }
}

const sortedNames = (namespace?: string) =>
  seeded
    .filter((p) => namespace === undefined || p.namespace === namespace)
    .map((p) => `pod/${p.name}`)
    .sort()

describe('pods through kubectl', () => {
  it('lists every seeded pod in chunks: kubectl get pods -A --chunk-size=7 -o name', async () => {
    api.resetRequests()
    const output = await kubectl('get', 'pods', '-A', '--chunk-size=7', '-o', 'name')
    expect(output.trim().split('\n').sort()).toEqual(sortedNames())
    const lists = api.requests({ verb: 'list', resource: 'pods' })
    expect(lists).toHaveLength(Math.ceil(seeded.length / 7))
    expect(lists.every((r) => r.query.limit === '7')).toBe(true)
    expect(lists.slice(1).every((r) => (r.query.continue ?? '') !== '')).toBe(true)
  })

  it('answers kubectl get --raw with a PodList page, its continue token and remaining count', async () => {
    const list = JSON.parse(await kubectl('get', '--raw', '/api/v1/pods?limit=2')) as ListBody
    expect(list.kind).toBe('PodList')
    expect(list.items.map((p) => p.metadata.name)).toEqual(['pod-00', 'pod-03'])
    expect(list.metadata.remainingItemCount).toBe(seeded.length - 2)
    expect(list.metadata.continue).toEqual(expect.any(String))
    const next = JSON.parse(
      await kubectl(
        'get',
        '--raw',
        `/api/v1/pods?limit=2&continue=${encodeURIComponent(list.metadata.continue ?? '')}`,
      ),
    ) as ListBody
    expect(next.items.map((p) => p.metadata.name)).toEqual(['pod-06', 'pod-09'])
    expect(next.metadata.resourceVersion).toBe(list.metadata.resourceVersion)
  })

  it('prints the pod table: NAME READY STATUS RESTARTS AGE, and the node with -o wide', async () => {
    const table = (await kubectl('get', 'pods')).trim().split('\n')
    expect(table[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
    expect(table.slice(1)).toHaveLength(10)
    expect(table[1]).toMatch(/^pod-00\s+0\/1\s+Running\s+0\s+\d+s$/)
    const wide = (await kubectl('get', 'pods', '-o', 'wide', 'pod-00')).split('\n')[0]
    expect(wide).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE/)
    const all = (await kubectl('get', 'po', '-A')).trim().split('\n')
    expect(all[0]).toMatch(/^NAMESPACE\s+NAME\s+READY/)
    expect(all).toHaveLength(seeded.length + 1)
  })

  it('creates a pod with kubectl run (Pending, its QoS class set) and deletes it', async () => {
    await kubectl('run', 'web', '--image=nginx:1.27', '--restart=Never', '--namespace=beta')
    const pod = api.listPods('beta').find((p) => (p.metadata as { name?: string }).name === 'web')
    expect(pod).toMatchObject({
      kind: 'Pod',
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    })
    expect(await kubectl('delete', 'pod', 'web', '--namespace=beta', '--wait=false')).toContain(
      'deleted',
    )
    expect(api.listPods('beta')).toHaveLength(10)
  })
})

describe('pods as metadata only', () => {
  it('answers as=PartialObjectMetadataList in the real wire shape', async () => {
    const { status, body } = await get<ListBody>('/api/v1/pods?limit=4', METADATA_LIST)
    expect(status).toBe(200)
    expect(body.kind).toBe('PartialObjectMetadataList')
    expect(body.apiVersion).toBe('meta.k8s.io/v1')
    expect(body.metadata).toEqual({
      resourceVersion: api.resourceVersion(),
      continue: expect.any(String),
      remainingItemCount: seeded.length - 4,
    })
    expect(body.items).toHaveLength(4)
    for (const item of body.items) {
      expect(Object.keys(item)).toEqual(['kind', 'apiVersion', 'metadata'])
      expect(item).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' })
    }
    expect(body.items[0]?.metadata).toMatchObject({
      name: 'pod-00',
      namespace: 'alpha',
      annotations: { [STAMP]: 'logger:v1@0a1b2c3d' },
      uid: expect.any(String),
      resourceVersion: expect.any(String),
    })
  })

  it('serves meta.k8s.io/v1beta1 too, and one pod as PartialObjectMetadata', async () => {
    const beta = await get<ListBody>(
      '/api/v1/namespaces/beta/pods',
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1',
    )
    expect(beta.body.apiVersion).toBe('meta.k8s.io/v1beta1')
    expect(beta.body.items[0]?.apiVersion).toBe('meta.k8s.io/v1beta1')
    const one = await get<{ kind: string; metadata: { name: string }; spec?: unknown }>(
      '/api/v1/namespaces/beta/pods/pod-01',
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    )
    expect(one.body.kind).toBe('PartialObjectMetadata')
    expect(one.body.metadata.name).toBe('pod-01')
    expect(one.body.spec).toBeUndefined()
  })

  it('takes the Accept clauses in order, and refuses a transform that does not fit (406)', async () => {
    const plain = await get<ListBody>('/api/v1/pods?limit=1', `application/json,${METADATA_LIST}`)
    expect(plain.body.kind).toBe('PodList')
    const single = await get<StatusBody>(
      '/api/v1/pods',
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    )
    expect(single.status).toBe(406)
    expect(single.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 })
    expect(single.body.message).toMatch(
      /^you requested PartialObjectMetadata, but the requested object is a list/,
    )
  })
})

describe('pod list pagination', () => {
  it('pages over one snapshot: later creates and deletes do not show in the remaining pages', async () => {
    const first = await get<ListBody>('/api/v1/namespaces/gamma/pods?limit=4', METADATA_LIST)
    api.createPod({ namespace: 'gamma', name: 'pod-zz' })
    api.deletePod('gamma', 'pod-29')
    const names = first.body.items.map((p) => p.metadata.name)
    let token = first.body.metadata.continue
    while (token !== undefined) {
      const page = await get<ListBody>(
        `/api/v1/namespaces/gamma/pods?limit=4&continue=${encodeURIComponent(token)}`,
        METADATA_LIST,
      )
      expect(page.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion)
      names.push(...page.body.items.map((p) => p.metadata.name))
      token = page.body.metadata.continue
    }
    expect(names).toEqual(sortedNames('gamma').map((n) => n.slice(4)))
    api.deletePod('gamma', 'pod-zz')
    api.seedPods([{ namespace: 'gamma', name: 'pod-29' }])
  })

  it('answers a continue token whose snapshot was compacted with 410 Expired and a fresh, inconsistent token', async () => {
    const first = await get<ListBody>('/api/v1/pods?limit=10', METADATA_LIST)
    api.createPod({ namespace: 'gamma', name: 'pod-late' })
    api.compact()
    const token = encodeURIComponent(first.body.metadata.continue ?? '')
    const gone = await get<StatusBody>(`/api/v1/pods?limit=10&continue=${token}`, METADATA_LIST)
    expect(gone.status).toBe(410)
    expect(gone.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: { continue: expect.any(String) },
      status: 'Failure',
      message: expect.stringMatching(/^The provided continue parameter is too old/),
      reason: 'Expired',
      code: 410,
    })
    // The fresh token continues from the same key over the latest state: the new pod shows.
    const rest: string[] = []
    let next = gone.body.metadata.continue
    while (next !== undefined) {
      const page = await get<ListBody>(
        `/api/v1/pods?limit=10&continue=${encodeURIComponent(next)}`,
        METADATA_LIST,
      )
      rest.push(...page.body.items.map((p) => String(p.metadata.name)))
      next = page.body.metadata.continue
    }
    expect(rest).toContain('pod-late')
    expect(rest).not.toContain(first.body.items[0]?.metadata.name)
    api.deletePod('gamma', 'pod-late')
  })

  it('refuses a pod without containers with 422 naming the field', async () => {
    const res = await fetch(`${api.url}/api/v1/namespaces/alpha/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'empty' }, spec: { containers: [] } }),
    })
    const body = (await res.json()) as StatusBody
    expect(res.status).toBe(422)
    expect(body.details?.causes?.map((c) => c.field)).toEqual(['spec.containers'])
  })
})
