import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'

type ListBody = {
  kind: string
  apiVersion: string
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }
  items: { kind?: string; metadata: { name: string; namespace: string; resourceVersion: string } }[]
}
type StatusBody = {
  kind: string
  status: string
  reason: string
  code: number
  message: string
  metadata: { continue?: string }
}

let api: FakeApiServer

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api.url}${path}`)
  return { status: res.status, body: (await res.json()) as T }
}

const names = (body: ListBody): string[] => body.items.map((i) => i.metadata.name)

beforeAll(async () => {
  api = await startFakeApiServer({ tooLargeWaitMs: 200 })
  api.createConfigMap({ namespace: 'ns', name: 'a', labels: { app: 'x', tier: 'web' } })
  api.createConfigMap({ namespace: 'ns', name: 'b', labels: { app: 'y' } })
  api.createConfigMap({ namespace: 'ns', name: 'c', labels: { tier: 'web' } })
  api.createConfigMap({
    namespace: 'ns',
    name: 'd',
    labels: { app: 'z', 'example.com/role': 'db' },
  })
  api.createConfigMap({ namespace: 'other', name: 'e', labels: { app: 'x' } })
})
afterAll(() => api.stop())

describe('list', () => {
  it('returns a ConfigMapList whose items carry no kind, with the store resourceVersion', async () => {
    const { status, body } = await getJson<ListBody>('/api/v1/namespaces/ns/configmaps')
    expect(status).toBe(200)
    expect(body.kind).toBe('ConfigMapList')
    expect(body.apiVersion).toBe('v1')
    expect(body.metadata.resourceVersion).toBe(api.resourceVersion())
    expect(names(body)).toEqual(['a', 'b', 'c', 'd'])
    expect(body.items[0]?.kind).toBeUndefined()
  })

  it('lists every namespace at /api/v1/configmaps', async () => {
    const { body } = await getJson<ListBody>('/api/v1/configmaps')
    expect(body.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      'ns/a',
      'ns/b',
      'ns/c',
      'ns/d',
      'other/e',
    ])
  })

  it.each([
    ['app=x', ['a']],
    ['app==x', ['a']],
    ['app!=x', ['b', 'c', 'd']],
    ['app', ['a', 'b', 'd']],
    ['!app', ['c']],
    ['app in (x,y)', ['a', 'b']],
    [' app  in ( x , z ) ', ['a', 'd']],
    ['app notin (x,y)', ['c', 'd']],
    ['app=x,tier=web', ['a']],
    ['tier=web,!app', ['c']],
    ['example.com/role=db', ['d']],
    ['app=', []],
  ])('labelSelector %j selects %j', async (selector, expected) => {
    const query = new URLSearchParams({ labelSelector: selector })
    const { body } = await getJson<ListBody>(`/api/v1/namespaces/ns/configmaps?${query}`)
    expect(names(body)).toEqual(expected)
  })

  it.each([['app in ()'], ['app in (x'], ['=x'], ['app=x y'], ['app=a/b']])(
    'rejects labelSelector %j with a 400 Status',
    async (selector) => {
      const query = new URLSearchParams({ labelSelector: selector })
      const { status, body } = await getJson<StatusBody>(
        `/api/v1/namespaces/ns/configmaps?${query}`,
      )
      expect(status).toBe(400)
      expect(body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'BadRequest',
        code: 400,
      })
      expect(body.message).toContain('unable to parse requirement')
    },
  )

  it('supports fieldSelector on metadata.name and metadata.namespace, and rejects other fields', async () => {
    const byName = await getJson<ListBody>('/api/v1/configmaps?fieldSelector=metadata.name%3Dd')
    expect(names(byName.body)).toEqual(['d'])
    const notNs = await getJson<ListBody>(
      '/api/v1/configmaps?fieldSelector=metadata.namespace!%3Dns',
    )
    expect(names(notNs.body)).toEqual(['e'])
    const bad = await getJson<StatusBody>('/api/v1/configmaps?fieldSelector=data.k%3Dv')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe('field label not supported: data.k')
  })
})

describe('pagination', () => {
  it('pages with limit/continue over a consistent snapshot', async () => {
    const first = await getJson<ListBody>('/api/v1/namespaces/ns/configmaps?limit=3')
    expect(names(first.body)).toEqual(['a', 'b', 'c'])
    expect(first.body.metadata.remainingItemCount).toBe(1)
    const token = first.body.metadata.continue ?? ''
    expect(token).not.toBe('')
    // Changes after the first page are invisible to the rest of the paged list.
    api.createConfigMap({ namespace: 'ns', name: 'cc' })
    api.deleteConfigMap('ns', 'd')
    const second = await getJson<ListBody>(
      `/api/v1/namespaces/ns/configmaps?limit=3&continue=${encodeURIComponent(token)}`,
    )
    expect(names(second.body)).toEqual(['d'])
    expect(second.body.metadata.continue).toBeUndefined()
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion)
    api.deleteConfigMap('ns', 'cc')
    api.createConfigMap({
      namespace: 'ns',
      name: 'd',
      labels: { app: 'z', 'example.com/role': 'db' },
    })
  })

  it('answers an expired continue token with HTTP 410 Expired and a fresh token', async () => {
    const first = await getJson<ListBody>('/api/v1/namespaces/ns/configmaps?limit=2')
    api.updateConfigMap('ns', 'c', { data: { bump: '1' } })
    api.compact()
    const token = encodeURIComponent(first.body.metadata.continue ?? '')
    const res = await getJson<StatusBody>(
      `/api/v1/namespaces/ns/configmaps?limit=2&continue=${token}`,
    )
    expect(res.status).toBe(410)
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 })
    expect(res.body.message).toContain('continue parameter is too old')
    const fresh = encodeURIComponent(res.body.metadata.continue ?? '')
    const rest = await getJson<ListBody>(
      `/api/v1/namespaces/ns/configmaps?limit=2&continue=${fresh}`,
    )
    expect(names(rest.body)).toEqual(['c', 'd'])
  })

  it('omits remainingItemCount for filtered lists and ignores limit at resourceVersion=0', async () => {
    const filtered = await getJson<ListBody>(
      '/api/v1/namespaces/ns/configmaps?limit=1&labelSelector=app',
    )
    expect(names(filtered.body)).toEqual(['a'])
    expect(filtered.body.metadata.remainingItemCount).toBeUndefined()
    expect(filtered.body.metadata.continue).toBeDefined()
    const cached = await getJson<ListBody>(
      '/api/v1/namespaces/ns/configmaps?limit=1&resourceVersion=0',
    )
    expect(names(cached.body)).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('resourceVersion semantics', () => {
  it('serves the exact past state with resourceVersionMatch=Exact', async () => {
    const before = api.resourceVersion()
    api.updateConfigMap('ns', 'a', { data: { v: '2' } })
    api.deleteConfigMap('ns', 'b')
    const exact = await getJson<ListBody>(
      `/api/v1/namespaces/ns/configmaps?resourceVersion=${before}&resourceVersionMatch=Exact`,
    )
    expect(exact.body.metadata.resourceVersion).toBe(before)
    expect(names(exact.body)).toEqual(['a', 'b', 'c', 'd'])
    const a = exact.body.items[0]?.metadata.resourceVersion ?? ''
    expect(Number(a)).toBeLessThanOrEqual(Number(before))
    const latest = await getJson<ListBody>(
      `/api/v1/namespaces/ns/configmaps?resourceVersion=${before}&resourceVersionMatch=NotOlderThan`,
    )
    expect(latest.body.metadata.resourceVersion).toBe(api.resourceVersion())
    expect(names(latest.body)).toEqual(['a', 'c', 'd'])
    api.createConfigMap({ namespace: 'ns', name: 'b', labels: { app: 'y' } })
  })

  it('answers an exact list at a compacted resourceVersion with HTTP 410 too old resource version', async () => {
    const old = api.resourceVersion()
    api.updateConfigMap('ns', 'a', { data: { v: '3' } })
    api.compact()
    const res = await getJson<StatusBody>(
      `/api/v1/namespaces/ns/configmaps?resourceVersion=${old}&resourceVersionMatch=Exact`,
    )
    expect(res.status).toBe(410)
    expect(res.body).toMatchObject({ reason: 'Expired', code: 410 })
    expect(res.body.message).toMatch(/^too old resource version: \d+ \(\d+\)$/)
  })

  it('validates list options like the apiserver', async () => {
    const noRv = await getJson<StatusBody>('/api/v1/configmaps?resourceVersionMatch=Exact')
    expect(noRv.status).toBe(422)
    expect(noRv.body.message).toContain(
      'resourceVersionMatch is forbidden unless resourceVersion is provided',
    )
    const exactZero = await getJson<StatusBody>(
      '/api/v1/configmaps?resourceVersion=0&resourceVersionMatch=Exact',
    )
    expect(exactZero.status).toBe(422)
    const bad = await getJson<StatusBody>('/api/v1/configmaps?resourceVersion=abc')
    expect(bad.status).toBe(400)
  })

  it('gives 504 Too large resource version for a future resourceVersion', async () => {
    const future = Number(api.resourceVersion()) + 100
    const raw = await fetch(`${api.url}/api/v1/configmaps?resourceVersion=${future}`)
    expect(raw.headers.get('retry-after')).toBe('1')
    const res = { status: raw.status, body: (await raw.json()) as StatusBody }
    expect(res.status).toBe(504)
    expect(res.body).toMatchObject({ reason: 'Timeout', code: 504 })
    expect(res.body.message).toContain('Too large resource version')
  })
})
