import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { createApp } from '../../worker/app.ts'
import type { KvLike } from '../../worker/configs/config-store.ts'
import { readWorkerSettings } from '../../worker/settings.ts'
import {
  admissionOf,
  brokenKv,
  configText,
  countingKv,
  freshKv,
  marksOf,
  podReview,
  postReview,
  pushConfigs,
  SECRET,
  scopeDirectory,
  testApp,
} from './harness.ts'

describe('POST /v1/admit/{cluster}/{token}', () => {
  it('injects a config the cluster pushed and logs one line without the token', async () => {
    const { app, logs } = testApp()
    expect((await pushConfigs(app, 'alpha', [configText('logger:v1', 'one')])).status).toBe(200)
    const res = await postReview(app, 'alpha', podReview('logger:v1'))
    expect(res.status).toBe(200)
    const admission = await admissionOf(res)
    expect(admission.allowed).toBe(true)
    expect(admission.uid).toBe('705ab4f5-6393-11e8-b7cc-42010a800002')
    expect(marksOf(admission.patch, 'logger')).toEqual(['one'])
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({
      event: 'admission',
      cluster: 'alpha',
      namespace: 'apps',
      pod: 'web',
      decision: 'inject',
      reason: 'injected',
      configs: ['logger:v1'],
      kvOps: 1,
    })
    expect(typeof logs[0]?.durationMs).toBe('number')
  })

  it('admits a pod asking for an unknown config unchanged, with a warning naming it', async () => {
    const { app, logs } = testApp()
    const admission = await admissionOf(await postReview(app, 'alpha', podReview('nope:v2')))
    expect(admission.allowed).toBe(true)
    expect(admission.patch).toEqual([])
    expect(admission.warnings.join('\n')).toContain('nope:v2')
    expect(logs[0]).toMatchObject({ decision: 'skip', reason: 'missing_config' })
  })

  it.each([
    ['all', ['injected', 'missing_config', 'no_request']],
    ['changes', ['injected', 'missing_config']],
    ['none', []],
  ])('INJECTOR_ADMISSION_LOG=%s logs %j', async (mode, reasons) => {
    const { app, logs } = testApp({ vars: { INJECTOR_ADMISSION_LOG: mode } })
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    for (const request of ['logger:v1', 'nope:v1', undefined]) {
      const admission = await admissionOf(await postReview(app, 'alpha', podReview(request)))
      expect(admission.allowed).toBe(true)
    }
    expect(logs.map((line) => line.reason)).toEqual(reasons)
  })

  it('answers a v1beta1 review in v1beta1', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    const review = { ...podReview('logger:v1'), apiVersion: 'admission.k8s.io/v1beta1' }
    const body = (await (await postReview(app, 'alpha', review)).json()) as { apiVersion: string }
    expect(body.apiVersion).toBe('admission.k8s.io/v1beta1')
  })
})

/** A pod without a request that opts out of its namespace's default. */
function optedOutReview(): JsonObject {
  const review = podReview(undefined)
  const request = review.request as JsonObject
  const pod = request.object as JsonObject
  return {
    ...review,
    request: {
      ...request,
      object: {
        ...pod,
        metadata: { name: 'web', annotations: { 'injector.tumblr.com/inject': 'false' } },
      },
    },
  }
}

describe('KV operations per admission', () => {
  it('costs 0 for a pod that opts out, 1 cold, 0 warm', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'alpha', [configText('logger:v1')])
    // A new app is a new isolate: nothing cached.
    const counting = countingKv(kv)
    const fresh = testApp({ kv: counting })
    await postReview(fresh.app, 'alpha', optedOutReview())
    expect(counting.gets).toBe(0)
    expect(fresh.logs[0]).toMatchObject({ reason: 'opted_out', kvOps: 0 })
    await postReview(fresh.app, 'alpha', podReview('logger:v1'))
    // One bulk get of both scopes' snapshots: one KV operation.
    expect(counting.gets).toBe(1)
    expect(counting.keysRead).toEqual(['configs/alpha', 'configs/shared'])
    const warm = await admissionOf(await postReview(fresh.app, 'alpha', podReview('logger:v1')))
    expect(counting.gets).toBe(1)
    expect(warm.patch.length).toBeGreaterThan(0)
    // Without a request of its own, a pod reads its namespace's default from the held snapshot.
    await postReview(fresh.app, 'alpha', podReview(undefined))
    expect(counting.gets).toBe(1)
    expect(fresh.logs.map((l) => l.kvOps)).toEqual([0, 1, 0, 0])
    expect(fresh.logs[3]).toMatchObject({ reason: 'no_request' })
  })

  it('reads the snapshots once, cold, for a pod without a request (its namespace may give one)', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'alpha', [configText('logger:v1')])
    const counting = countingKv(kv)
    const fresh = testApp({ kv: counting })
    await postReview(fresh.app, 'alpha', podReview(undefined))
    expect(counting.gets).toBe(1)
    expect(fresh.logs[0]).toMatchObject({ reason: 'no_request', kvOps: 1 })
  })

  it('does not let a read that outlived its admission strand the next ones', async () => {
    const store = freshKv()
    await pushConfigs(testApp({ kv: store }).app, 'alpha', [configText('logger:v1', 'one')])
    // The first manifest read never answers; the ones after it do.
    let calls = 0
    const kv: KvLike = {
      get: (keys, type) => (++calls === 1 ? new Promise(() => {}) : store.get(keys, type)),
      put: (key, value) => store.put(key, value),
      delete: (key) => store.delete(key),
    }
    const { app, logs } = testApp({ kv, vars: { INJECTOR_ADMISSION_DEADLINE_MS: '100' } })
    const first = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(first.patch).toEqual([])
    expect(logs[0]).toMatchObject({ reason: 'lookup_failed' })
    const second = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(marksOf(second.patch, 'logger')).toEqual(['one'])
  })

  it('keeps injecting what it last read while KV fails, once the cache has expired', async () => {
    const store = freshKv()
    let clock = 1_700_000_000_000
    await pushConfigs(testApp({ kv: store, now: () => clock }).app, 'alpha', [
      configText('logger:v1', 'one'),
    ])
    let down = false
    const kv: KvLike = {
      get: (keys, type) => (down ? Promise.reject(new Error('KV is down')) : store.get(keys, type)),
      put: (key, value) => store.put(key, value),
      delete: (key) => store.delete(key),
    }
    const { app, logs } = testApp({ kv, now: () => clock })
    expect(
      marksOf(
        (await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))).patch,
        'logger',
      ),
    ).toEqual(['one'])
    down = true
    clock += 60_000
    const stale = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(marksOf(stale.patch, 'logger')).toEqual(['one'])
    expect(logs[1]).toMatchObject({ decision: 'inject', kvOps: 1 })
  })

  it('fetches a whole inherits chain across scopes in one KV operation', async () => {
    const store = freshKv()
    const { app } = testApp({ kv: store })
    await pushConfigs(app, 'shared', [
      configText('base:v1', 'base'),
      configText('mid:v1', 'mid', 'inherits: base:v1\n'),
    ])
    await pushConfigs(app, 'alpha', [configText('agent:v1', 'agent', 'inherits: mid:v1\n')])
    const kv = countingKv(store)
    const fresh = testApp({ kv })
    const admission = await admissionOf(await postReview(fresh.app, 'alpha', podReview('agent:v1')))
    expect(kv.gets).toBe(1)
    expect(kv.keysRead).toEqual(['configs/alpha', 'configs/shared'])
    expect(marksOf(admission.patch, 'agent')).toEqual(['agent'])
    expect(marksOf(admission.patch, 'base')).toEqual(['base'])
    expect(marksOf(admission.patch, 'mid')).toEqual(['mid'])
  })

  it('re-reads the snapshots once the cache TTL has passed, and not before', async () => {
    let clock = 1_000_000
    const store = freshKv()
    await pushConfigs(testApp({ kv: store }).app, 'alpha', [configText('logger:v1')])
    const kv = countingKv(store)
    const fresh = testApp({ kv, now: () => clock, vars: { INJECTOR_CACHE_TTL_SECONDS: '30' } })
    await postReview(fresh.app, 'alpha', podReview('logger:v1'))
    clock += 29_000
    await postReview(fresh.app, 'alpha', podReview('logger:v1'))
    expect(kv.gets).toBe(1)
    clock += 1_000
    await postReview(fresh.app, 'alpha', podReview('logger:v1'))
    expect(kv.gets).toBe(2)
    expect(fresh.logs.map((l) => l.kvOps)).toEqual([1, 0, 1])
  })
})

describe('scopes', () => {
  it('looks in the cluster scope before shared', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'shared', [
      configText('logger:v1', 'fleet'),
      configText('metrics:v1', 'fleet'),
    ])
    await pushConfigs(app, 'alpha', [configText('logger:v1', 'alpha')])
    const admission = await admissionOf(
      await postReview(app, 'alpha', podReview('logger:v1,metrics:v1')),
    )
    expect(marksOf(admission.patch, 'logger')).toEqual(['alpha'])
    expect(marksOf(admission.patch, 'metrics')).toEqual(['fleet'])
    const other = await admissionOf(await postReview(app, 'beta', podReview('logger:v1')))
    expect(marksOf(other.patch, 'logger')).toEqual(['fleet'])
  })

  it('keeps clusters apart: one cluster never sees another cluster’s configs', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('secret-sauce:v1')])
    const admission = await admissionOf(await postReview(app, 'beta', podReview('secret-sauce:v1')))
    expect(admission.patch).toEqual([])
    expect(admission.warnings.join('\n')).toContain('secret-sauce:v1')
  })
})

describe('KV failure', () => {
  it.each(['throw', 'hang'] as const)(
    'admits unchanged with a warning when KV calls %s',
    async (mode) => {
      const { app, logs } = testApp({
        kv: brokenKv(mode),
        vars: { INJECTOR_ADMISSION_DEADLINE_MS: '100' },
      })
      const res = await postReview(app, 'alpha', podReview('logger:v1'))
      expect(res.status).toBe(200)
      const admission = await admissionOf(res)
      expect(admission.allowed).toBe(true)
      expect(admission.patch).toEqual([])
      expect(admission.warnings.join('\n')).toContain('config lookup failed')
      expect(logs[0]).toMatchObject({ decision: 'skip', reason: 'lookup_failed', kvOps: 1 })
    },
  )

  it('still skips pods that opt out with no KV call when KV is down', async () => {
    const { app, logs } = testApp({ kv: brokenKv('throw') })
    const admission = await admissionOf(await postReview(app, 'alpha', optedOutReview()))
    expect(admission.allowed).toBe(true)
    expect(logs[0]).toMatchObject({ reason: 'opted_out', kvOps: 0 })
  })

  it('admits a pod without a request unchanged when KV is down (its default cannot be read)', async () => {
    const { app, logs } = testApp({ kv: brokenKv('throw') })
    const admission = await admissionOf(await postReview(app, 'alpha', podReview(undefined)))
    expect(admission.allowed).toBe(true)
    expect(admission.patch).toEqual([])
    expect(logs[0]).toMatchObject({ reason: 'lookup_failed' })
  })
})

describe('failure policy', () => {
  it('admits unchanged with a warning when anything fails after the review was read', async () => {
    const lines: JsonObject[] = []
    const app = createApp({
      kv: freshKv(),
      scopes: scopeDirectory(),
      settings: readWorkerSettings({ INJECTOR_SECRET: SECRET }),
      // The first line breaks the route; the fail-open path logs its own.
      log: (line) => {
        if (lines.push(line) === 1) throw new Error('log sink broke')
      },
    })
    const res = await postReview(app, 'alpha', podReview(undefined))
    expect(res.status).toBe(200)
    const admission = await admissionOf(res)
    expect(admission.allowed).toBe(true)
    expect(admission.patch).toEqual([])
    expect(admission.warnings).toEqual([
      'sidecar injection skipped, injector error: log sink broke',
    ])
    // The Worker's own fault, not KV's: internal_error, never lookup_failed.
    expect(lines[1]).toMatchObject({
      event: 'admission',
      decision: 'skip',
      reason: 'internal_error',
      detail: 'injector error: log sink broke',
    })
  })
})
