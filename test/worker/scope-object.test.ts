import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ScopeState } from '../../shared/fleet-api.ts'
import type { IngestResponse } from '../../shared/ingest-api.ts'
import type { PinResponse, RevisionDetail, RevisionList } from '../../shared/revision-api.ts'
import type { ScopeObject } from '../../worker/configs/scope-object.ts'
import {
  configText,
  countingKv,
  freshKv,
  pushConfigs,
  scopeStub,
  source,
  testApp,
  tokensFor,
  watchScopeKv,
} from './harness.ts'

type App = ReturnType<typeof testApp>['app']

afterEach(() => {
  vi.restoreAllMocks()
})

/** Calls a sync-token route of `cluster`, with a JSON body when given. */
async function call(app: App, cluster: string, method: string, path: string, body?: unknown) {
  const { sync } = await tokensFor(cluster)
  return app.request(`/v1/clusters/${cluster}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sync}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
}

async function history(app: App, cluster: string, query = ''): Promise<RevisionList> {
  const res = await call(app, cluster, 'GET', `/revisions${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as RevisionList
}

async function detail(app: App, cluster: string, revision: number): Promise<RevisionDetail> {
  const res = await call(app, cluster, 'GET', `/revisions/${revision}`)
  expect(res.status).toBe(200)
  return (await res.json()) as RevisionDetail
}

/** The scope's value in KV: its header, and the MARK of each config in it. */
async function published(scope: string) {
  const text = (await freshKv().get([`configs/${scope}`], 'text')).get(`configs/${scope}`) ?? ''
  const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as {
    revision: number
    entries: Record<string, unknown>
  }
  const marks = [...text.matchAll(/"name":"MARK","value":"([^"]*)"/g)].map((m) => m[1])
  return { revision: header.revision, refs: Object.keys(header.entries), marks }
}

/** The JSON log lines written with `event`. */
function logged(spy: { mock: { calls: unknown[][] } }, event: string): Record<string, unknown>[] {
  return spy.mock.calls
    .map(([line]) => String(line))
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('the scope object: one writer, a total order, KV at the last', () => {
  it('records two concurrent pushes to one scope, in order, and ends KV at the last', async () => {
    let clock = 1_700_000_000_000
    const one = testApp({ now: () => clock })
    const other = testApp({ now: () => clock })
    const [a, b] = await Promise.all([
      pushConfigs(one.app, 'alpha', [configText('logger:v1', 'one')]),
      pushConfigs(other.app, 'alpha', [configText('logger:v1', 'other')]),
    ])
    const answers = [(await a.json()) as IngestResponse, (await b.json()) as IngestResponse]
    expect(answers.map((r) => r.revision).sort()).toEqual([1, 2])
    const list = await history(one.app, 'alpha')
    expect(list.revisions.map((r) => [r.revision, r.origin, r.served])).toEqual([
      [2, 'push', true],
      [1, 'push', false],
    ])
    const lastMark = (await detail(one.app, 'alpha', 2)).entries[0]?.hash
    const lastAnswer = answers.find((r) => r.revision === 2)
    expect(lastAnswer?.results[0]?.status === 'accepted' && lastAnswer.results[0].hash).toBe(
      lastMark,
    )
    // The second landed within KV's second of the first: its publish is the alarm's.
    clock += 1_000
    await runDurableObjectAlarm(scopeStub('alpha'))
    const value = await published('alpha')
    expect(value.revision).toBe(2)
    expect(value.marks).toEqual([lastAnswer === answers[0] ? 'one' : 'other'])
    expect((await history(one.app, 'alpha')).publishPending).toBe(false)
  })

  it('publishes again when pushes moved the served revision while a write was out', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    const real = freshKv()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = countingKv({
      get: real.get,
      put: async (key, value) => {
        await held
        await real.put(key, value)
      },
      delete: real.delete,
    })
    await runInDurableObject(scopeStub('alpha'), (object: ScopeObject) => {
      object.kv = slow
    })
    const first = pushConfigs(app, 'alpha', [configText('logger:v1', 'first')])
    await vi.waitFor(() => expect(slow.puts).toBe(1))
    clock += 100
    const second = await pushConfigs(app, 'alpha', [configText('logger:v1', 'second')])
    expect(await second.json()).toMatchObject({ revision: 2, published: false })
    release()
    expect(await (await first).json()).toMatchObject({ revision: 1, published: false })
    expect(await published('alpha')).toMatchObject({ revision: 1, marks: ['first'] })
    clock += 1_000
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(await published('alpha')).toMatchObject({ revision: 2, marks: ['second'] })
    expect(slow.puts).toBe(2)
  })

  it('repairs a publish lost with the object: the alarm armed with the commit publishes it', async () => {
    const clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    await runInDurableObject(scopeStub('alpha'), (object: ScopeObject) => {
      // The write never answers: the object is lost while it is out.
      object.kv = { ...freshKv(), put: () => new Promise<void>(() => {}) }
    })
    const lost = pushConfigs(app, 'alpha', [configText('logger:v1', 'kept')]).catch(
      (error: unknown) => error,
    )
    await vi.waitFor(async () => {
      const state = await runInDurableObject(scopeStub('alpha'), (object: ScopeObject) =>
        object.state('alpha'),
      )
      expect(state).toMatchObject({ headRevision: 1, publishPending: true })
    })
    await abortAllDurableObjects()
    await lost
    // A new instance, with the platform's clock and the real KV: only the alarm knows.
    expect((await freshKv().get(['configs/alpha'], 'text')).get('configs/alpha')).toBeNull()
    await runInDurableObject(scopeStub('alpha'), (object: ScopeObject) => {
      object.now = () => clock + 60_000
    })
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(await published('alpha')).toMatchObject({ revision: 1, marks: ['kept'] })
  })

  it('pushes 5,000 configs with 1 KV write (at most 3) through its KV-limits wrapper', async () => {
    const { app } = testApp()
    const kv = await watchScopeKv('alpha')
    const configs = Array.from({ length: 5000 }, (_, i) => configText(`c${i}:v1`, String(i)))
    const res = await pushConfigs(app, 'alpha', configs)
    expect(res.status).toBe(200)
    const body = (await res.json()) as IngestResponse
    expect(body.stored).toHaveLength(5000)
    // Counted by the object's KV-limits wrapper, and by the binding under it.
    expect(body.kvOps.writes).toBeLessThanOrEqual(3)
    expect(body.kvOps).toEqual({ reads: 0, writes: 1 })
    expect([kv.gets, kv.puts]).toEqual([0, 1])
    const value = await published('alpha')
    expect(value.refs).toHaveLength(5000)
    expect(value.revision).toBe(1)
    expect((await detail(app, 'alpha', 1)).revision).toMatchObject({ configs: 5000, added: 5000 })
  }, 60_000)
})

describe('history', () => {
  it('records who pushed, the diff with content hashes, and each revision’s configs', async () => {
    let clock = Date.parse('2026-03-01T10:00:00.000Z')
    const { app } = testApp({ now: () => clock })
    const { sync } = await tokensFor('alpha')
    const relayPush = (configs: { text: string; source: ReturnType<typeof source> }[]) =>
      app.request('/v1/clusters/alpha/configs', {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${sync}`,
          'content-type': 'application/json',
          'x-relay-instance': 'sidecar-injector-relay-7d9c-x2x4q',
        },
        body: JSON.stringify({ configs }),
      })
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'a'), configText('metrics:v1')])
    clock += 60_000
    const second = (await (
      await relayPush([
        { text: configText('logger:v1', 'b'), source: source('logging') },
        { text: configText('tracing:v1'), source: source('tracing') },
      ])
    ).json()) as IngestResponse
    expect(second).toMatchObject({ revision: 2, removed: ['metrics:v1'], published: true })
    const hashOf = (ref: string, answer: IngestResponse) =>
      answer.results.find((r) => r.ref === ref && r.status === 'accepted')
    const first = await detail(app, 'alpha', 1)
    const newer = await detail(app, 'alpha', 2)
    expect(newer.revision).toEqual({
      revision: 2,
      at: '2026-03-01T10:01:00.000Z',
      token: 'sync',
      instance: 'sidecar-injector-relay-7d9c-x2x4q',
      origin: 'push',
      configs: 2,
      added: 1,
      changed: 1,
      removed: 1,
      served: true,
    })
    expect(first.revision).toMatchObject({ instance: 'cli', served: false, added: 2 })
    const hash = (d: RevisionDetail, ref: string) => d.entries.find((e) => e.ref === ref)?.hash
    expect(newer.diff).toEqual({
      added: [{ ref: 'tracing:v1', hash: hash(newer, 'tracing:v1') }],
      changed: [
        {
          ref: 'logger:v1',
          hash: hash(newer, 'logger:v1'),
          previousHash: hash(first, 'logger:v1'),
        },
      ],
      removed: [{ ref: 'metrics:v1', hash: hash(first, 'metrics:v1') }],
    })
    const logger = hashOf('logger:v1', second)
    expect(logger?.status === 'accepted' && logger.hash).toBe(hash(newer, 'logger:v1'))
    expect(newer.entries.map((e) => [e.ref, e.source, e.updatedAt])).toEqual([
      ['logger:v1', source('logging'), '2026-03-01T10:01:00.000Z'],
      ['tracing:v1', source('tracing'), '2026-03-01T10:01:00.000Z'],
    ])
  })

  it('lists the newest first, a page at a time', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    for (const mark of ['a', 'b', 'c', 'd', 'e']) {
      clock += 2_000
      await pushConfigs(app, 'alpha', [configText('logger:v1', mark)])
    }
    const page = await history(app, 'alpha', '?limit=2')
    expect(page).toMatchObject({
      cluster: 'alpha',
      headRevision: 5,
      servedRevision: 5,
      pinned: false,
      publishPending: false,
      next: 4,
    })
    expect(page.revisions.map((r) => r.revision)).toEqual([5, 4])
    const rest = await history(app, 'alpha', '?limit=2&before=2')
    expect(rest.revisions.map((r) => r.revision)).toEqual([1])
    expect(rest.next).toBeUndefined()
    const never = await history(app, 'beta')
    expect(never).toEqual({
      cluster: 'beta',
      headRevision: 0,
      servedRevision: 0,
      pinned: false,
      publishPending: false,
      revisions: [],
    })
  })

  it('keeps the last revisions or the last 30 days, whichever is more, and their contents only', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    // INJECTOR_HISTORY_MIN_REVISIONS=50, INJECTOR_HISTORY_MIN_DAYS=30 (wrangler.toml).
    for (let n = 1; n <= 52; n++) {
      clock += 2_000
      await pushConfigs(app, 'alpha', [configText('logger:v1', `m${n}`)])
    }
    const hashOf = async (n: number) => (await detail(app, 'alpha', n)).entries[0]?.hash ?? ''
    const early = await hashOf(1)
    // 52 within 30 days: all kept.
    expect((await history(app, 'alpha', '?limit=1000')).revisions).toHaveLength(52)
    clock += 31 * 24 * 60 * 60 * 1000
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'm53')])
    const kept = (await history(app, 'alpha', '?limit=1000')).revisions.map((r) => r.revision)
    expect(kept).toEqual(Array.from({ length: 50 }, (_, i) => 53 - i))
    const gone = await call(app, 'alpha', 'GET', '/revisions/3')
    expect(gone.status).toBe(404)
    expect(await gone.json()).toEqual({
      error: 'scope "alpha" has no revision 3; it keeps revisions 4 to 53',
    })
    const contents = await runInDurableObject(
      scopeStub('alpha'),
      (_object: ScopeObject, state) =>
        state.storage.sql
          .exec<{ n: number }>('SELECT COUNT(*) AS n FROM contents WHERE hash = ?', early)
          .one().n,
    )
    expect(contents).toBe(0)
    expect(await hashOf(4)).toMatch(/^[0-9a-f]{64}$/)
  }, 60_000)

  it('reports its state for status and fleet views', async () => {
    let clock = Date.parse('2026-03-01T10:00:00.000Z')
    const { app } = testApp({ now: () => clock })
    const state = (): Promise<ScopeState> =>
      runInDurableObject(scopeStub('alpha'), (object: ScopeObject) => object.state('alpha'))
    expect(await state()).toEqual({
      scope: 'alpha',
      headRevision: 0,
      servedRevision: 0,
      pinned: false,
      publishPending: false,
      configs: 0,
    })
    await pushConfigs(app, 'alpha', [configText('logger:v1'), configText('metrics:v1')])
    clock += 500
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    expect(await state()).toEqual({
      scope: 'alpha',
      headRevision: 2,
      servedRevision: 2,
      pinned: false,
      publishedAt: '2026-03-01T10:00:00.000Z',
      publishPending: true,
      configs: 1,
    })
  })
})

describe('rollback and pin', () => {
  it('serves an older revision as a new one, pins the scope, and records pushes unserved until unpin', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
    const log = vi.spyOn(console, 'log')
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'good')])
    clock += 2_000
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'bad')])
    clock += 2_000
    const rollback = await call(app, 'alpha', 'POST', '/rollback', { revision: 1 })
    expect(rollback.status).toBe(200)
    expect(await rollback.json()).toEqual({
      cluster: 'alpha',
      servedRevision: 3,
      changed: true,
      pinned: true,
      published: true,
      kvOps: { reads: 0, writes: 1 },
    } satisfies PinResponse)
    expect(await published('alpha')).toMatchObject({ revision: 3, marks: ['good'] })
    expect(logged(log, 'scope_pinned')).toEqual([
      {
        event: 'scope_pinned',
        scope: 'alpha',
        rolledBackTo: 1,
        servedRevision: 3,
        changed: true,
        pinned: true,
        published: true,
        by: { token: 'sync', instance: 'cli' },
      },
    ])
    // The relay's next push (the bad set again) is recorded, not served.
    clock += 2_000
    const relay = (await (
      await pushConfigs(app, 'alpha', [configText('logger:v1', 'bad')])
    ).json()) as IngestResponse
    expect(relay).toMatchObject({ revision: 4, unchanged: false, published: false, pinned: true })
    expect(await published('alpha')).toMatchObject({ revision: 3, marks: ['good'] })
    const list = await history(app, 'alpha')
    expect(list).toMatchObject({ headRevision: 4, servedRevision: 3, pinned: true })
    expect(list.revisions.map((r) => [r.revision, r.origin, r.from, r.served])).toEqual([
      [4, 'push', undefined, false],
      [3, 'rollback', 1, true],
      [2, 'push', undefined, false],
      [1, 'push', undefined, false],
    ])
    // The same set again is unchanged, and still not served.
    expect(
      await (await pushConfigs(app, 'alpha', [configText('logger:v1', 'bad')])).json(),
    ).toMatchObject({ revision: 4, unchanged: true, published: false, pinned: true })

    clock += 2_000
    const unpin = await call(app, 'alpha', 'POST', '/unpin')
    expect(await unpin.json()).toEqual({
      cluster: 'alpha',
      servedRevision: 5,
      changed: true,
      pinned: false,
      published: true,
      kvOps: { reads: 0, writes: 1 },
    } satisfies PinResponse)
    expect(await published('alpha')).toMatchObject({ revision: 5, marks: ['bad'] })
    expect((await detail(app, 'alpha', 5)).revision).toMatchObject({ origin: 'unpin', from: 4 })
    expect(logged(log, 'scope_unpinned')).toEqual([
      {
        event: 'scope_unpinned',
        scope: 'alpha',
        latestPush: 4,
        servedRevision: 5,
        changed: true,
        pinned: false,
        published: true,
        by: { token: 'sync', instance: 'cli' },
      },
    ])
    // Unpinned, pushes are served again.
    clock += 2_000
    expect(
      await (await pushConfigs(app, 'alpha', [configText('logger:v1', 'fixed')])).json(),
    ).toMatchObject({ revision: 6, published: true, pinned: false })
  })

  it('pins without a revision or a KV write when the served configs already are those', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'a')])
    clock += 2_000
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'b')])
    clock += 2_000
    // Revision 3 holds what revision 1 held: a rollback to 1 finds it served.
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'a')])
    const kv = await watchScopeKv('alpha')
    clock += 2_000
    const res = await call(app, 'alpha', 'POST', '/rollback', { revision: 1 })
    expect(await res.json()).toEqual({
      cluster: 'alpha',
      servedRevision: 3,
      changed: false,
      pinned: true,
      published: true,
      kvOps: { reads: 0, writes: 0 },
    })
    expect(kv.puts).toBe(0)
    expect(await history(app, 'alpha')).toMatchObject({ headRevision: 3, pinned: true })
    // Unpinning serves the latest push, which is served already: no revision either.
    const unpin = await call(app, 'alpha', 'POST', '/unpin')
    expect(await unpin.json()).toMatchObject({ servedRevision: 3, changed: false, pinned: false })
    expect(kv.puts).toBe(0)
    const again = await call(app, 'alpha', 'POST', '/unpin')
    expect(await again.json()).toMatchObject({ servedRevision: 3, changed: false, pinned: false })
  })
})

describe('bad input to the history routes', () => {
  it.each([
    [
      'GET',
      '/revisions/9',
      undefined,
      404,
      'scope "alpha" has no revision 9; it keeps revisions 1 to 1',
    ],
    [
      'POST',
      '/rollback',
      { revision: 9 },
      404,
      'scope "alpha" has no revision 9; it keeps revisions 1 to 1',
    ],
    [
      'GET',
      '/revisions/0',
      undefined,
      400,
      'revision: must be a whole number from 1 to 9007199254740991',
    ],
    [
      'GET',
      '/revisions/1e3',
      undefined,
      400,
      'revision: must be a whole number from 1 to 9007199254740991',
    ],
    ['GET', '/revisions?limit=0', undefined, 400, 'limit: must be a whole number from 1 to 1000'],
    [
      'GET',
      '/revisions?before=x',
      undefined,
      400,
      'before: must be a whole number from 1 to 9007199254740991',
    ],
    ['POST', '/rollback', {}, 400, 'revision: required'],
    ['POST', '/rollback', { revision: '1' }, 400, 'revision: must be a whole number of 1 or more'],
    ['POST', '/rollback', { revision: 1.5 }, 400, 'revision: must be a whole number of 1 or more'],
    ['POST', '/rollback', [1], 400, 'body must be a JSON object: {"revision": <number>}'],
    ['POST', '/rollback', '{"revision":', 400, 'request body is not valid JSON'],
    [
      'POST',
      '/rollback',
      { revision: 1, pad: 'x'.repeat(2000) },
      413,
      'request body exceeds 1024 bytes',
    ],
  ] as const)('%s %s %j -> %i', async (method, path, body, status, message) => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    const res = await call(app, 'alpha', method, path, body)
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: string }).error).toContain(message)
    // Nothing changed: still revision 1, unpinned.
    expect(await history(app, 'alpha')).toMatchObject({ headRevision: 1, pinned: false })
  })

  it('answers 404 for a scope with no revisions yet, saying so', async () => {
    const res = await call(testApp().app, 'alpha', 'POST', '/rollback', { revision: 1 })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: 'scope "alpha" has no revision 1; it has no revisions yet',
    })
  })

  it.each([
    ['GET', '/revisions'],
    ['GET', '/revisions/1'],
    ['POST', '/rollback'],
    ['POST', '/unpin'],
  ])('%s %s takes this cluster’s sync token only', async (method, path) => {
    const { app } = testApp()
    const admit = (await tokensFor('alpha')).admit
    for (const token of [admit, (await tokensFor('beta')).sync, undefined]) {
      const res = await app.request(`/v1/clusters/alpha${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(method === 'POST' ? { body: '{"revision":1}' } : {}),
      })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'unauthorized' })
    }
  })

  it('refuses a relay instance header that is not a name, storing nothing', async () => {
    const { app } = testApp()
    const { sync } = await tokensFor('alpha')
    const res = await app.request('/v1/clusters/alpha/configs', {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${sync}`,
        'content-type': 'application/json',
        'x-relay-instance': 'relay one; drop',
      },
      body: JSON.stringify({ configs: [{ text: configText('logger:v1'), source: source('a') }] }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: 'x-relay-instance: must be a pod name, 1 to 253 letters, digits, ".", "-" or "_"',
    })
    expect((await history(app, 'alpha')).headRevision).toBe(0)
  })
})
