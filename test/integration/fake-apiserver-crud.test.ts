import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JsonValue } from '../../shared/json.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'

type Obj = {
  kind?: string
  metadata: {
    name: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
    generation?: number
  }
  data?: Record<string, string>
}
type StatusBody = {
  kind: string
  status: string
  reason?: string
  code?: number
  message?: string
  details?: { name?: string; kind?: string; uid?: string; causes?: { field: string }[] }
}

let api: FakeApiServer
const base = (): string => `${api.url}/api/v1/namespaces/crud/configmaps`

async function call<T>(
  method: string,
  url: string,
  body?: JsonValue | string,
  type = 'application/json',
) {
  const init: RequestInit = { method, headers: { 'content-type': type } }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(url, init)
  return { status: res.status, body: (await res.json()) as T }
}

beforeAll(async () => {
  api = await startFakeApiServer()
})
afterAll(() => api.stop())

describe('ConfigMap CRUD', () => {
  it('creates with server-set uid, creationTimestamp and resourceVersion, and no generation', async () => {
    const res = await call<Obj>('POST', base(), { metadata: { name: 'one' }, data: { k: 'v' } })
    expect(res.status).toBe(201)
    expect(res.body.kind).toBe('ConfigMap')
    expect(res.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(res.body.metadata.resourceVersion).toBe(api.resourceVersion())
    expect(res.body.metadata.generation).toBeUndefined()
    const again = await call<StatusBody>('POST', base(), { metadata: { name: 'one' } })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'configmaps "one" already exists',
    })
  })

  it('answers a missing object with a 404 NotFound Status', async () => {
    const res = await call<StatusBody>('GET', `${base()}/missing`)
    expect(res.status).toBe(404)
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', kind: 'configmaps' },
      code: 404,
    })
  })

  it('rejects a PUT with a stale resourceVersion with 409 Conflict and keeps uid on update', async () => {
    const created = api.createConfigMap({ namespace: 'crud', name: 'two', data: { a: '1' } })
    const current = created.metadata as { resourceVersion: string; uid: string }
    const ok = await call<Obj>('PUT', `${base()}/two`, {
      metadata: { name: 'two', resourceVersion: current.resourceVersion },
      data: { a: '2' },
    })
    expect(ok.status).toBe(200)
    expect(ok.body.metadata.uid).toBe(current.uid)
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(current.resourceVersion),
    )
    const stale = await call<StatusBody>('PUT', `${base()}/two`, {
      metadata: { name: 'two', resourceVersion: current.resourceVersion },
      data: { a: '3' },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.reason).toBe('Conflict')
    expect(stale.body.message).toContain('the object has been modified')
    const unconditional = await call<Obj>('PUT', `${base()}/two`, {
      metadata: { name: 'two' },
      data: { a: '4' },
    })
    expect(unconditional.body.data).toEqual({ a: '4' })
    const renamed = await call<StatusBody>('PUT', `${base()}/two`, { metadata: { name: 'zwei' } })
    expect(renamed.status).toBe(400)
    const absent = await call<StatusBody>('PUT', `${base()}/nope`, { metadata: { name: 'nope' } })
    expect(absent.status).toBe(404)
  })

  it('keeps the resourceVersion on a no-op update', async () => {
    const created = api.createConfigMap({ namespace: 'crud', name: 'same', data: { a: '1' } })
    const rv = (created.metadata as { resourceVersion: string }).resourceVersion
    const res = await call<Obj>('PUT', `${base()}/same`, {
      metadata: { name: 'same' },
      data: { a: '1' },
    })
    expect(res.body.metadata.resourceVersion).toBe(rv)
    expect(api.resourceVersion()).toBe(rv)
  })

  it.each([
    ['application/merge-patch+json', { data: { b: '2', a: null } }, { b: '2' }],
    ['application/strategic-merge-patch+json', { data: { b: '2' } }, { a: '1', b: '2' }],
    ['application/json-patch+json', [{ op: 'replace', path: '/data/a', value: '9' }], { a: '9' }],
  ])('patches with %s', async (type, patch, data) => {
    api.upsertConfigMap({ namespace: 'crud', name: 'patched', data: { a: '1' } })
    const res = await call<Obj>('PATCH', `${base()}/patched`, patch, type)
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual(data)
  })

  it('refuses apply patches with 415', async () => {
    api.upsertConfigMap({ namespace: 'crud', name: 'patched', data: { a: '1' } })
    const res = await call<StatusBody>(
      'PATCH',
      `${base()}/patched`,
      '{}',
      'application/apply-patch+yaml',
    )
    expect(res.status).toBe(415)
  })

  it('deletes with a Success Status and honours DeleteOptions preconditions', async () => {
    const created = api.createConfigMap({ namespace: 'crud', name: 'gone' })
    const uid = (created.metadata as { uid: string }).uid
    const guarded = await call<StatusBody>('DELETE', `${base()}/gone`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { resourceVersion: '1' },
    })
    expect(guarded.status).toBe(409)
    const res = await call<StatusBody>('DELETE', `${base()}/gone`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', kind: 'configmaps', uid },
    })
    expect(api.getConfigMap('crud', 'gone')).toBeUndefined()
  })

  it.each([
    [{ metadata: { name: 'Bad_Name' } }, 'metadata.name'],
    [{ metadata: { name: 'ok' }, data: { 'bad key': 'v' } }, 'data[bad key]'],
    [{ metadata: { name: 'ok' }, data: { k: 1 } }, 'data[k]'],
  ])('rejects invalid object %j with 422 naming %s', async (body, field) => {
    const res = await call<StatusBody>('POST', base(), body)
    expect(res.status).toBe(422)
    expect(res.body.reason).toBe('Invalid')
    expect(res.body.details?.causes?.map((c) => c.field)).toContain(field)
  })

  it('rejects a namespace mismatch and data changes to an immutable ConfigMap', async () => {
    const wrongNs = await call<StatusBody>('POST', base(), {
      metadata: { name: 'x', namespace: 'elsewhere' },
    })
    expect(wrongNs.status).toBe(400)
    api.createConfigMap({ namespace: 'crud', name: 'frozen', data: { a: '1' }, immutable: true })
    const res = await call<StatusBody>('PUT', `${base()}/frozen`, {
      metadata: { name: 'frozen' },
      data: { a: '2' },
      immutable: true,
    })
    expect(res.status).toBe(422)
    expect(res.body.message).toContain('field is immutable')
  })
})

describe('Events', () => {
  it('stores core/v1 Events (with generateName) and events.k8s.io/v1 Events for assertions', async () => {
    const core = await call<Obj>('POST', `${api.url}/api/v1/namespaces/crud/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'cfg.' },
      involvedObject: { kind: 'ConfigMap', namespace: 'crud', name: 'cfg' },
      type: 'Warning',
      reason: 'InvalidSidecarConfig',
      message: 'containers[0].image: required',
    })
    expect(core.status).toBe(201)
    expect(core.body.metadata.name).toMatch(/^cfg\.[a-z0-9]{5}$/)
    const modern = await call<Obj>(
      'POST',
      `${api.url}/apis/events.k8s.io/v1/namespaces/crud/events`,
      {
        metadata: { name: 'cfg.2' },
        regarding: { kind: 'ConfigMap', namespace: 'crud', name: 'cfg' },
        type: 'Warning',
        reason: 'InvalidSidecarConfig',
        note: 'bad',
        action: 'Validate',
        reportingController: 'relay',
        reportingInstance: 'relay-1',
        eventTime: '2024-01-01T00:00:00.000000Z',
      },
    )
    expect(modern.status).toBe(201)
    expect(api.events('crud').map((e) => e.reason)).toEqual([
      'InvalidSidecarConfig',
      'InvalidSidecarConfig',
    ])
    const listed = await call<{ kind: string; items: unknown[] }>(
      'GET',
      `${api.url}/api/v1/namespaces/crud/events?fieldSelector=involvedObject.name%3Dcfg`,
    )
    expect(listed.body.kind).toBe('EventList')
    expect(listed.body.items).toHaveLength(1)
  })

  it.each([
    [
      '/api/v1/namespaces/crud/events',
      {
        metadata: { name: 'e1' },
        involvedObject: { kind: 'ConfigMap', namespace: 'elsewhere', name: 'c' },
      },
      'involvedObject.namespace',
    ],
    ['/api/v1/namespaces/crud/events', { metadata: { name: 'e2' }, type: 'Error' }, 'type'],
    [
      '/apis/events.k8s.io/v1/namespaces/crud/events',
      {
        metadata: { name: 'e3' },
        type: 'Warning',
        reason: 'R',
        action: 'A',
        reportingController: 'c',
      },
      'eventTime',
    ],
  ])(
    'rejects an invalid Event posted to %s with 422 naming the field',
    async (path, body, field) => {
      const res = await call<StatusBody>('POST', `${api.url}${path}`, body)
      expect(res.status).toBe(422)
      expect(res.body.details?.causes?.map((c) => c.field)).toContain(field)
    },
  )
})

describe('discovery and auth', () => {
  it('serves legacy discovery documents', async () => {
    const core = await call<{
      resources: { name: string; kind: string; verbs: string[]; namespaced: boolean }[]
    }>('GET', `${api.url}/api/v1`)
    expect(core.body.resources.map((r) => [r.name, r.namespaced])).toEqual([
      ['configmaps', true],
      ['events', true],
      ['pods', true],
      ['namespaces', false],
    ])
    expect(core.body.resources[0]?.verbs).toContain('watch')
    const groups = await call<{ kind: string; groups: { name: string }[] }>(
      'GET',
      `${api.url}/apis`,
    )
    expect(groups.body).toMatchObject({ kind: 'APIGroupList', groups: [{ name: 'events.k8s.io' }] })
    const versions = await call<{ versions: string[] }>('GET', `${api.url}/api`)
    expect(versions.body.versions).toEqual(['v1'])
    const openapi = await fetch(`${api.url}/openapi/v3`)
    expect(openapi.status).toBe(404)
  })

  it('requires the bearer token when configured', async () => {
    const guarded = await startFakeApiServer({ token: 'secret-token' })
    try {
      const anonymous = await fetch(`${guarded.url}/api/v1/configmaps`)
      expect(anonymous.status).toBe(401)
      const ok = await fetch(`${guarded.url}/api/v1/configmaps`, {
        headers: { authorization: 'Bearer secret-token' },
      })
      expect(ok.status).toBe(200)
      expect(guarded.requests().map((r) => r.authorized)).toEqual([false, true])
    } finally {
      await guarded.stop()
    }
  })
})
