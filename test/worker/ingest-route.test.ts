import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import type { IngestResponse, StoredConfigList } from '../../shared/ingest-api.ts'
import type { ScopeObject } from '../../worker/configs/scope-object.ts'
import {
  admissionOf,
  configText,
  freshKv,
  marksOf,
  podReview,
  postReview,
  pushConfigs,
  scopeStub,
  source,
  testApp,
  tokensFor,
  watchScopeKv,
} from './harness.ts'

async function listConfigs(
  app: ReturnType<typeof testApp>['app'],
  cluster: string,
  token?: string,
) {
  const sync = token ?? (await tokensFor(cluster)).sync
  return app.request(`/v1/clusters/${cluster}/configs`, {
    headers: { authorization: `Bearer ${sync}` },
  })
}

describe('PUT /v1/clusters/{cluster}/configs', () => {
  it('answers per entry and stores exactly the accepted ones', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    const res = await pushConfigs(app, 'alpha', [
      { text: configText('logger:v1'), source: source('logging', 'logger.yaml') },
      { text: 'name: broken\ncontainers: 7\n', source: source('broken') },
    ])
    expect(res.status).toBe(200)
    const body = (await res.json()) as IngestResponse
    expect(body).toMatchObject({
      cluster: 'alpha',
      stored: ['logger:v1'],
      removed: [],
      unchanged: false,
    })
    expect(body.results[0]).toMatchObject({ index: 0, status: 'accepted', ref: 'logger:v1' })
    expect(body.results[0]?.status === 'accepted' && body.results[0].hash).toMatch(/^[0-9a-f]{64}$/)
    expect(body.results[1]).toMatchObject({ index: 1, status: 'rejected', ref: 'broken:latest' })
    expect(JSON.stringify(body.results[1])).toContain('containers')
    clock += 5_000
    const list = (await (await listConfigs(app, 'alpha')).json()) as StoredConfigList
    expect(list).toEqual({
      cluster: 'alpha',
      configs: [
        {
          ref: 'logger:v1',
          name: 'logger',
          version: 'v1',
          hash: body.results[0]?.status === 'accepted' ? body.results[0].hash : '',
          source: source('logging', 'logger.yaml'),
          updatedAt: new Date(1_700_000_000_000).toISOString(),
        },
      ],
    })
  })

  it('passes on the notes of an accepted config, and none for a config without any', async () => {
    const { app } = testApp()
    const res = await pushConfigs(app, 'alpha', [
      'name: port\nenv: [{name: PORT, value: 9090}]\n',
      configText('logger:v1'),
    ])
    const body = (await res.json()) as IngestResponse
    expect(body.results[0]).toMatchObject({
      status: 'accepted',
      ref: 'port:latest',
      notes: [{ path: 'env[0].value', message: expect.stringContaining('"9090"') }],
    })
    expect(body.results[1]).not.toHaveProperty('notes')
  })

  it('writes nothing when the same set comes again, even with a new resourceVersion', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    const first = await pushConfigs(app, 'alpha', [
      configText('logger:v1'),
      configText('metrics:v1'),
    ])
    const kv = await watchScopeKv('alpha')
    expect(await first.json()).toMatchObject({
      kvOps: { reads: 0, writes: 1 },
      revision: 1,
      published: true,
      unchanged: false,
    })
    clock += 10_000
    const again = await pushConfigs(app, 'alpha', [
      { text: configText('logger:v1'), source: { ...source('cm-0'), resourceVersion: '99' } },
      configText('metrics:v1'),
    ])
    const body = (await again.json()) as IngestResponse
    expect(body).toMatchObject({ unchanged: true, revision: 1, published: true })
    expect(body.kvOps).toEqual({ reads: 0, writes: 0 })
    expect([kv.gets, kv.puts]).toEqual([0, 0])
  })

  it('writes the scope as one value per push, and leaves nothing behind', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'first')])
    const kv = await watchScopeKv('alpha')
    for (const [n, mark] of ['a', 'b', 'c'].entries()) {
      clock += 2_000
      const res = await pushConfigs(app, 'alpha', [
        configText('logger:v1', mark),
        configText('metrics:v1'),
      ])
      expect(await res.json()).toMatchObject({
        kvOps: { reads: 0, writes: 1 },
        revision: n + 2,
        published: true,
      })
    }
    expect(kv.written).toEqual(['configs/alpha', 'configs/alpha', 'configs/alpha'])
    expect(kv.deleted).toEqual([])
    // The one stored value holds the last content only: earlier ones went with the values it replaced.
    const stored = (await kv.get(['configs/alpha'], 'text')).get('configs/alpha') ?? ''
    expect(stored).toContain('"value":"c"')
    expect(stored).not.toContain('"value":"b"')
    expect(JSON.parse(stored.slice(0, stored.indexOf('\n')))).toMatchObject({ revision: 4 })
    const served = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(marksOf(served.patch, 'logger')).toEqual(['c'])
  })

  it('removes configs absent from the set, for listing and admission', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
    await pushConfigs(app, 'alpha', [configText('logger:v1'), configText('metrics:v1')])
    clock += 2_000
    const res = await pushConfigs(app, 'alpha', [configText('metrics:v1')])
    expect(await res.json()).toMatchObject({ stored: ['metrics:v1'], removed: ['logger:v1'] })
    const list = (await (await listConfigs(app, 'alpha')).json()) as StoredConfigList
    expect(list.configs.map((c) => c.ref)).toEqual(['metrics:v1'])
    const admission = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(admission.patch).toEqual([])
    expect(admission.warnings.join('\n')).toContain('logger:v1')
    clock += 2_000
    const empty = await pushConfigs(app, 'alpha', [])
    expect(await empty.json()).toMatchObject({ stored: [], removed: ['metrics:v1'] })
  })

  it('records a second push within a second at once, and publishes it after KV’s write gap', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'first')])
    clock += 400
    const quick = await pushConfigs(app, 'alpha', [configText('logger:v1', 'second')])
    expect(quick.status).toBe(200)
    expect(quick.headers.get('retry-after')).toBeNull()
    expect(await quick.json()).toMatchObject({
      revision: 2,
      unchanged: false,
      published: false,
      kvOps: { reads: 0, writes: 0 },
    })
    const mark = async () =>
      marksOf(
        (await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))).patch,
        'logger',
      )
    expect(await mark()).toEqual(['first'])
    // Run early, the alarm finds KV's second not over and waits again.
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(await mark()).toEqual(['first'])
    clock += 600
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(await mark()).toEqual(['second'])
    // Published: no alarm is left.
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(false)
  })

  it('keeps KV’s write gap per scope whichever Worker instance pushes', async () => {
    let clock = 1_700_000_000_000
    const one = testApp({ now: () => clock })
    const other = testApp({ now: () => clock })
    expect(
      await (await pushConfigs(one.app, 'alpha', [configText('logger:v1', 'a')])).json(),
    ).toMatchObject({ published: true })
    clock += 300
    expect(
      await (await pushConfigs(other.app, 'alpha', [configText('logger:v1', 'b')])).json(),
    ).toMatchObject({ revision: 2, published: false })
    // Another scope is another key: no wait.
    expect(
      await (await pushConfigs(other.app, 'beta', [configText('logger:v1', 'b')])).json(),
    ).toMatchObject({ revision: 1, published: true })
  })

  it('refuses host access unless INJECTOR_ALLOW_HOST_ACCESS=true', async () => {
    const text = `${configText('netdebug:v1')}hostNetwork: true\n`
    const refused = await pushConfigs(testApp().app, 'alpha', [text])
    const body = (await refused.json()) as IngestResponse
    expect(body.results[0]).toMatchObject({ status: 'rejected', ref: 'netdebug:v1' })
    expect(JSON.stringify(body.results[0])).toContain('INJECTOR_ALLOW_HOST_ACCESS')
    const allowed = testApp({ vars: { INJECTOR_ALLOW_HOST_ACCESS: 'true' } })
    const ok = (await (await pushConfigs(allowed.app, 'alpha', [text])).json()) as IngestResponse
    expect(ok.results[0]).toMatchObject({ status: 'accepted' })
  })

  it('stops injecting a stored host-access config once the switch is turned off', async () => {
    const kv = freshKv()
    const text = `${configText('netdebug:v1')}hostNetwork: true\n`
    const allowed = testApp({ kv, vars: { INJECTOR_ALLOW_HOST_ACCESS: 'true' } })
    expect((await pushConfigs(allowed.app, 'alpha', [text])).status).toBe(200)
    const before = await admissionOf(
      await postReview(allowed.app, 'alpha', podReview('netdebug:v1')),
    )
    expect(before.patch.some((op) => op.path === '/spec/hostNetwork')).toBe(true)

    const refused = await admissionOf(
      await postReview(testApp({ kv }).app, 'alpha', podReview('netdebug:v1')),
    )
    expect(refused.allowed).toBe(true)
    expect(refused.patch).toEqual([])
    expect(refused.warnings.join(' ')).toContain('host access')
  })

  it('rejects both entries of a duplicate name:version, naming both sources', async () => {
    const res = await pushConfigs(testApp().app, 'alpha', [
      { text: configText('logger:v1', 'a'), source: source('one', 'a.yaml') },
      { text: configText('logger:v1', 'b'), source: source('two', 'b.yaml') },
      configText('metrics:v1'),
    ])
    const body = (await res.json()) as IngestResponse
    expect(body.stored).toEqual(['metrics:v1'])
    // Each result is its own source, and its message names the other.
    expect(body.results.slice(0, 2)).toEqual([
      {
        index: 0,
        status: 'rejected',
        ref: 'logger:v1',
        issues: [
          {
            path: 'name',
            message: 'duplicate logger:v1: also defined in ConfigMap sidecars/two key b.yaml',
          },
        ],
        source: source('one', 'a.yaml'),
      },
      {
        index: 1,
        status: 'rejected',
        ref: 'logger:v1',
        issues: [
          {
            path: 'name',
            message: 'duplicate logger:v1: also defined in ConfigMap sidecars/one key a.yaml',
          },
        ],
        source: source('two', 'b.yaml'),
      },
    ])
  })

  it('lets a sync token write and read its own cluster only', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    const alpha = await tokensFor('alpha')
    const write = await app.request('/v1/clusters/beta/configs', {
      method: 'PUT',
      headers: { authorization: `Bearer ${alpha.sync}`, 'content-type': 'application/json' },
      body: JSON.stringify({ configs: [] }),
    })
    expect(write.status).toBe(401)
    expect((await listConfigs(app, 'beta', alpha.sync)).status).toBe(401)
    expect((await listConfigs(app, 'shared', alpha.sync)).status).toBe(401)
    const beta = (await (await listConfigs(app, 'beta')).json()) as StoredConfigList
    expect(beta.configs).toEqual([])
  })

  it('keeps the previous set served when a KV write fails, and retries the publish', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'a')])
    clock += 5_000
    const kv = await watchScopeKv('alpha', { failPuts: 1 })
    const log = vi.spyOn(console, 'log')
    const res = await pushConfigs(app, 'alpha', [configText('logger:v1', 'b')])
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ revision: 2, published: false })
    const failed = log.mock.calls
      .map(([line]) => String(line))
      .find((l) => l.includes('publish_failed'))
    expect(JSON.parse(failed ?? '{}')).toEqual({
      event: 'publish_failed',
      scope: 'alpha',
      revision: 2,
      failures: 1,
      retryInMs: 1000,
      message: 'KV PUT failed: 429 Too Many Requests',
    })
    const mark = async () =>
      marksOf(
        (await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))).patch,
        'logger',
      )
    expect(await mark()).toEqual(['a'])
    clock += 1_000
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(kv.puts).toBe(2)
    expect(await mark()).toEqual(['b'])
  })

  it('answers 503 with Retry-After when the scope’s writer fails, naming the scope', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'a')])
    await runInDurableObject(scopeStub('alpha'), (_object: ScopeObject, state) => {
      state.storage.sql.exec('DROP TABLE entries')
    })
    const res = await pushConfigs(app, 'alpha', [configText('logger:v1', 'b')])
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^the writer of scope "alpha" failed \(.*entries.*\); the push may not be recorded, retry it$/,
    )
  })
})
