import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { createApp } from '../../worker/app.ts'
import { readWorkerSettings } from '../../worker/settings.ts'
import { configMapReview } from '../support/configmap-review.ts'
import {
  brokenKv,
  freshKv,
  pushConfigs,
  SECRET,
  scopeDirectory,
  testApp,
  tokensFor,
} from './harness.ts'

const LOGGER = 'name: logger:v1\ncontainers:\n  - name: logger\n    image: busybox:1.36\n'
const METRICS = 'name: metrics\ncontainers:\n  - name: metrics\n    image: prom/statsd-exporter\n'
const HOST = 'name: netdebug\nhostNetwork: true\ncontainers:\n  - name: d\n    image: busybox\n'
const UNKNOWN_FIELD = 'name: broken\ncontaners:\n  - name: a\n'

type App = ReturnType<typeof testApp>['app']

interface ValidationAnswer {
  apiVersion: string
  kind: string
  response: {
    uid: string
    allowed: boolean
    status?: { code: number; message: string }
    warnings?: string[]
    patch?: string
  }
}

async function postValidation(app: App, cluster: string, review: unknown, token?: string) {
  const admit = token ?? (await tokensFor(cluster)).admit
  return app.request(`/v1/validate/${cluster}/${admit}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(review),
  })
}

async function validate(app: App, cluster: string, review: JsonObject): Promise<ValidationAnswer> {
  const res = await postValidation(app, cluster, review)
  expect(res.status).toBe(200)
  return (await res.json()) as ValidationAnswer
}

describe('POST /v1/validate/{cluster}/{admit token}', () => {
  it.each(['v1', 'v1beta1'] as const)(
    'allows a valid sidecar ConfigMap in an AdmissionReview %s, in that version',
    async (version) => {
      const review = configMapReview({ version, data: { 'logger.yaml': LOGGER } })
      const answer = await validate(testApp().app, 'alpha', review)
      expect(answer).toEqual({
        apiVersion: `admission.k8s.io/${version}`,
        kind: 'AdmissionReview',
        response: { uid: (review.request as JsonObject).uid, allowed: true },
      })
    },
  )

  it.each([
    [
      'an unknown field',
      { 'broken.yaml': UNKNOWN_FIELD },
      'invalid sidecar config (1 problem):\nsidecars/logging:broken.yaml: contaners: unknown field; did you mean containers?',
    ],
    [
      'host access the Worker does not allow',
      { 'net.yaml': HOST },
      'invalid sidecar config (1 problem):\nsidecars/logging:net.yaml: hostNetwork: the node network (hostNetwork) is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true',
    ],
    [
      'a YAML syntax error',
      { 'bad.yaml': 'name: a\ncontainers: [\n' },
      'invalid sidecar config (1 problem):\nsidecars/logging:bad.yaml: invalid YAML:',
    ],
    [
      'two keys claiming one name:version',
      { 'a.yaml': LOGGER, 'b.yaml': LOGGER },
      'invalid sidecar config (2 problems):\nsidecars/logging:a.yaml: name: duplicate logger:v1: also defined in ConfigMap sidecars/logging key b.yaml\nsidecars/logging:b.yaml: name: duplicate logger:v1: also defined in ConfigMap sidecars/logging key a.yaml',
    ],
  ])('refuses a ConfigMap with %s: 422 and the messages of validate', async (_, data, message) => {
    for (const operation of ['CREATE', 'UPDATE'] as const) {
      const review = configMapReview({ operation, data: { 'ok.yaml': METRICS, ...data } })
      const { response } = await validate(testApp().app, 'alpha', review)
      expect(response.allowed).toBe(false)
      expect(response.status?.code).toBe(422)
      expect(response.status?.message.startsWith(message)).toBe(true)
      expect(response).not.toHaveProperty('patch')
    }
  })

  it('allows host access when the Worker does (INJECTOR_ALLOW_HOST_ACCESS=true)', async () => {
    const { app } = testApp({ vars: { INJECTOR_ALLOW_HOST_ACCESS: 'true' } })
    const answer = await validate(app, 'alpha', configMapReview({ data: { 'net.yaml': HOST } }))
    expect(answer.response.allowed).toBe(true)
  })

  it.each([
    ['DELETE', { operation: 'DELETE', data: { 'broken.yaml': UNKNOWN_FIELD } }],
    ['CONNECT', { operation: 'CONNECT' }],
  ] as const)('allows a %s, whatever the ConfigMap holds', async (_, options) => {
    const answer = await validate(testApp().app, 'alpha', configMapReview(options))
    expect(answer.response).toEqual({ uid: expect.any(String), allowed: true })
  })

  it('warns about a config that shadows a different shared config, at most two KV reads', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'shared', [LOGGER.replace('1.36', '1.37'), METRICS])
    const { app, logs } = testApp({ kv })
    const review = configMapReview({ data: { 'logger.yaml': LOGGER, 'metrics.yaml': METRICS } })
    const { response } = await validate(app, 'alpha', review)
    expect(response).toEqual({
      uid: expect.any(String),
      allowed: true,
      warnings: [
        'config "logger:v1" (sidecars/logging:logger.yaml) shadows the shared config "logger:v1": pods of cluster alpha get this one',
      ],
    })
    const kvOps = logs[0]?.kvOps
    expect(kvOps).toBeGreaterThan(0)
    expect(kvOps).toBeLessThanOrEqual(2)
  })

  it('checks no shared config for a ConfigMap of the shared scope itself', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'shared', [LOGGER.replace('1.36', '1.37')])
    const { app, logs } = testApp({ kv })
    const { response } = await validate(app, 'shared', configMapReview({ data: { l: LOGGER } }))
    expect(response).toEqual({ uid: expect.any(String), allowed: true })
    expect(logs[0]).toMatchObject({ event: 'validation', cluster: 'shared', kvOps: 0 })
  })

  it('logs one validation line with the verdict and its cost', async () => {
    const { app, logs } = testApp()
    await validate(app, 'alpha', configMapReview({ data: { 'broken.yaml': UNKNOWN_FIELD } }))
    await validate(app, 'alpha', configMapReview({ data: { 'logger.yaml': LOGGER } }))
    expect(logs).toEqual([
      expect.objectContaining({
        event: 'validation',
        cluster: 'alpha',
        configMap: 'sidecars/logging',
        operation: 'CREATE',
        allowed: false,
        problems: 1,
        warnings: 0,
        kvOps: 0,
      }),
      expect.objectContaining({
        event: 'validation',
        configMap: 'sidecars/logging',
        allowed: true,
        problems: 0,
        kvOps: 1,
      }),
    ])
  })

  it('allows a valid ConfigMap with a warning when the shared scope cannot be read', async () => {
    const { app } = testApp({ kv: brokenKv('throw') })
    const { response } = await validate(
      app,
      'alpha',
      configMapReview({ data: { 'l.yaml': LOGGER } }),
    )
    expect(response).toEqual({
      uid: expect.any(String),
      allowed: true,
      warnings: ['could not check the shared scope for configs of the same name: KV is down'],
    })
  })

  it('answers within the admission deadline when KV hangs', async () => {
    const { app } = testApp({
      kv: brokenKv('hang'),
      vars: { INJECTOR_ADMISSION_DEADLINE_MS: '100' },
    })
    const { response } = await validate(
      app,
      'alpha',
      configMapReview({ data: { 'l.yaml': LOGGER } }),
    )
    expect(response.allowed).toBe(true)
    expect(response.warnings).toEqual([
      expect.stringMatching(
        /^could not check the shared scope for configs of the same name: shared config lookup took longer than \d+ ms$/,
      ),
    ])
  })

  it('allows with a warning, never refuses, when the check itself fails', async () => {
    const app = createApp({
      kv: freshKv(),
      scopes: scopeDirectory(),
      settings: readWorkerSettings({ INJECTOR_SECRET: SECRET }),
      log: () => {
        throw new Error('log sink broke')
      },
    })
    const res = await postValidation(app, 'alpha', configMapReview({ data: { b: UNKNOWN_FIELD } }))
    expect(res.status).toBe(200)
    expect(((await res.json()) as ValidationAnswer).response).toEqual({
      uid: expect.any(String),
      allowed: true,
      warnings: ['sidecar config check skipped: injector error; see the Worker log'],
    })
  })

  it.each([
    ['another cluster’s admit token', async () => (await tokensFor('beta')).admit],
    ['the sync token', async () => (await tokensFor('alpha')).sync],
    ['a token of the old secret', async () => (await tokensFor('alpha', `${SECRET}-old`)).admit],
  ])('refuses %s with 401', async (_, token) => {
    const res = await postValidation(testApp().app, 'alpha', configMapReview({}), await token())
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'unauthorized' })
  })

  it('refuses a URL without its token segment with 401', async () => {
    const res = await testApp().app.request('/v1/validate/alpha', { method: 'POST' })
    expect(res.status).toBe(401)
  })

  it('answers 400 to a body that is no AdmissionReview', async () => {
    const res = await postValidation(testApp().app, 'alpha', { kind: 'ConfigMap' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'kind must be "AdmissionReview", got "ConfigMap"' })
  })
})
