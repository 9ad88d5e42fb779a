import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/index.ts'
import { readWorkerSettings } from '../../worker/settings.ts'
import { configMapReview } from '../support/configmap-review.ts'
import { configText, podReview, SECRET, tokensFor } from './harness.ts'

async function call(request: Request, vars: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(request as IncomingRequest, { ...env, ...vars }, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

type IncomingRequest = Request<unknown, IncomingRequestCfProperties>

afterEach(() => {
  vi.restoreAllMocks()
})

describe('worker entry (worker/index.ts)', () => {
  it('serves /healthz through the real entry', async () => {
    const res = await call(new Request('http://w/healthz'), { INJECTOR_SECRET: SECRET })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('ingests into the CONFIGS binding and admits from it, logging no token', async () => {
    const log = vi.spyOn(console, 'log')
    const warn = vi.spyOn(console, 'warn')
    const cluster = `entry-${crypto.randomUUID().slice(0, 8)}`
    const tokens = await tokensFor(cluster)
    const vars = { INJECTOR_SECRET: SECRET }
    const put = await call(
      new Request(`http://w/v1/clusters/${cluster}/configs`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens.sync}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          configs: [
            { text: configText('logger:v1'), source: { kind: 'File', path: 'logger.yaml' } },
          ],
        }),
      }),
      vars,
    )
    expect(put.status).toBe(200)
    const admit = await call(
      new Request(`http://w/v1/admit/${cluster}/${tokens.admit}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(podReview('logger:v1')),
      }),
      vars,
    )
    const body = (await admit.json()) as { response: { patch?: string } }
    expect(body.response.patch).toBeDefined()
    await call(new Request(`http://w/v1/admit/${cluster}/${tokens.sync}`, { method: 'POST' }), vars)
    const printed = [...log.mock.calls, ...warn.mock.calls].flat().join('\n')
    expect(printed).toContain('"event":"admission"')
    expect(printed).toContain('"event":"unauthorized"')
    expect(printed).not.toContain(tokens.admit)
    expect(printed).not.toContain(tokens.sync)
  })

  it('fails loudly, naming the variable, when a setting is bad', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const res = await call(new Request('http://w/healthz'), {
      INJECTOR_SECRET: SECRET,
      INJECTOR_CACHE_TTL_SECONDS: 'soon',
    })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      error: 'invalid Worker settings: INJECTOR_CACHE_TTL_SECONDS: "soon" is not a whole number',
    })
  })

  it('still admits pods, unchanged and with a warning, when a setting is bad', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const { admit } = await tokensFor('alpha')
    const post = (body: string) =>
      call(
        new Request(`http://w/v1/admit/alpha/${admit}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
        { INJECTOR_SECRET: 'too-short' },
      )
    const res = await post(JSON.stringify(podReview('logger:v1')))
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      response: { uid: string; allowed: boolean; patch?: string; warnings: string[] }
    }
    expect(body.response).toMatchObject({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
    })
    expect(body.response.patch).toBeUndefined()
    expect(body.response.warnings).toEqual([
      'sidecar injection skipped, injector unavailable: its settings are invalid; see the Worker log',
    ])
    expect(log.mock.calls.flat().map((line) => JSON.parse(String(line)))).toEqual([
      expect.objectContaining({
        event: 'admission',
        cluster: 'alpha',
        decision: 'skip',
        reason: 'misconfigured',
      }),
    ])
    expect((await post('{"truncated')).status).toBe(400)
  })

  it('allows sidecar ConfigMaps unchecked, with a warning, when a setting is bad', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const { admit } = await tokensFor('alpha')
    const res = await call(
      new Request(`http://w/v1/validate/alpha/${admit}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(configMapReview({ data: { bad: 'contaners: []' } })),
      }),
      { INJECTOR_SECRET: 'too-short' },
    )
    expect(res.status).toBe(200)
    expect(((await res.json()) as { response: unknown }).response).toEqual({
      uid: expect.any(String),
      allowed: true,
      warnings: ['sidecar config check skipped: the injector is unavailable (invalid settings)'],
    })
  })

  it('refuses to serve without INJECTOR_SECRET, which wrangler.toml leaves to a secret', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const ctx = createExecutionContext()
    const res = await worker.fetch(
      new Request('http://w/healthz') as IncomingRequest,
      // @ts-expect-error: the generated Env requires the secret; a Worker may still lack it.
      { ...env, INJECTOR_SECRET: undefined },
      ctx,
    )
    expect(res.status).toBe(500)
    expect(await res.text()).toContain('INJECTOR_SECRET: required')
  })
})

describe('readWorkerSettings', () => {
  it('reads the wrangler.toml defaults', () => {
    const settings = readWorkerSettings({ ...env, INJECTOR_SECRET: SECRET })
    expect(settings).toEqual({
      secrets: [SECRET],
      injection: {
        annotationNamespace: 'injector.tumblr.com',
        ignoredNamespaces: ['kube-system', 'kube-public'],
        allowHostAccess: false,
      },
      cacheTtlMs: 30_000,
      admissionDeadlineMs: 2000,
      allowHostAccess: false,
      admissionMaxBytes: 3 * 1024 * 1024,
      ingestMaxBytes: 8 * 1024 * 1024,
      configMaxBytes: 128 * 1024,
      scopeMaxConfigs: 10_000,
      scopeMaxBytes: 8 * 1024 * 1024,
      cacheMaxBytes: 32 * 1024 * 1024,
      admissionLog: 'all',
      history: { minRevisions: 50, minDays: 30 },
      metricsFlushMs: 5000,
    })
  })

  it.each([
    [{}, 'INJECTOR_SECRET: required'],
    [{ INJECTOR_SECRET: 'short' }, 'INJECTOR_SECRET: must be at least 32 characters'],
    [
      { INJECTOR_HISTORY_MIN_REVISIONS: '0' },
      'INJECTOR_HISTORY_MIN_REVISIONS: 0 is outside 1..10000',
    ],
    [
      { INJECTOR_HISTORY_MIN_DAYS: 'thirty' },
      'INJECTOR_HISTORY_MIN_DAYS: "thirty" is not a whole number',
    ],
    [{ INJECTOR_HISTORY_MIN_DAYS: '3651' }, 'INJECTOR_HISTORY_MIN_DAYS: 3651 is outside 0..3650'],
    [{ INJECTOR_SECRET_PREVIOUS: 'short' }, 'INJECTOR_SECRET_PREVIOUS: must be at least 32'],
    [{ INJECTOR_ANNOTATION_NAMESPACE: 'Not/Valid' }, 'INJECTOR_ANNOTATION_NAMESPACE'],
    [
      { INJECTOR_CACHE_TTL_SECONDS: '-1' },
      'INJECTOR_CACHE_TTL_SECONDS: "-1" is not a whole number',
    ],
    [{ INJECTOR_CACHE_TTL_SECONDS: '301' }, 'INJECTOR_CACHE_TTL_SECONDS: 301 is outside 0..300'],
    [
      { INJECTOR_ADMISSION_DEADLINE_MS: '30000' },
      'INJECTOR_ADMISSION_DEADLINE_MS: 30000 is outside',
    ],
    [
      { INJECTOR_ADMISSION_LOG: 'some' },
      'INJECTOR_ADMISSION_LOG: "some" must be one of all, changes, none',
    ],
    [
      { INJECTOR_ALLOW_HOST_ACCESS: 'yes' },
      'INJECTOR_ALLOW_HOST_ACCESS: "yes" must be "true" or "false"',
    ],
    [
      { INJECTOR_INGEST_MAX_BYTES: '1e9' },
      'INJECTOR_INGEST_MAX_BYTES: "1e9" is not a whole number',
    ],
    [
      { INJECTOR_CONFIG_MAX_BYTES: '2097152' },
      'INJECTOR_CONFIG_MAX_BYTES: 2097152 is outside 1024..1048576',
    ],
    [{ INJECTOR_SCOPE_MAX_CONFIGS: '0' }, 'INJECTOR_SCOPE_MAX_CONFIGS: 0 is outside 1..50000'],
    [
      { INJECTOR_SCOPE_MAX_BYTES: '26214400' },
      'INJECTOR_SCOPE_MAX_BYTES: 26214400 is outside 65536..25165824',
    ],
    [
      { INJECTOR_CACHE_MAX_BYTES: '16777215' },
      'INJECTOR_CACHE_MAX_BYTES: 16777215 is less than twice INJECTOR_SCOPE_MAX_BYTES (8388608)',
    ],
  ])('%o -> %s', (vars, message) => {
    const base = 'INJECTOR_SECRET' in vars ? {} : { INJECTOR_SECRET: SECRET }
    const input = Object.keys(vars).length === 0 ? {} : { ...base, ...vars }
    expect(() => readWorkerSettings(input)).toThrow(message)
  })

  it('takes the previous secret after the current one, and trims lists', () => {
    const old = 'o'.repeat(32)
    const settings = readWorkerSettings({
      INJECTOR_SECRET: SECRET,
      INJECTOR_SECRET_PREVIOUS: old,
      INJECTOR_IGNORED_NAMESPACES: ' kube-system , , ops ',
      INJECTOR_ALLOW_HOST_ACCESS: 'TRUE',
      INJECTOR_CACHE_TTL_SECONDS: '0',
    })
    expect(settings.secrets).toEqual([SECRET, old])
    expect(settings.injection.ignoredNamespaces).toEqual(['kube-system', 'ops'])
    expect(settings.allowHostAccess).toBe(true)
    expect(settings.cacheTtlMs).toBe(0)
  })
})
