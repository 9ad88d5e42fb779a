import { describe, expect, it } from 'vitest'
import { NOT_FOUND } from '../../worker/app.ts'
import { podReview, SECRET, testApp, tokensFor } from './harness.ts'

const MiB = 1024 * 1024

type Build = () => Promise<Request>

const json = (value: unknown) => JSON.stringify(value)
const review = podReview('logger:v1')
const reviewRequest = review.request as Record<string, unknown>
const withRequest = (patch: Record<string, unknown>) => ({
  ...review,
  request: { ...reviewRequest, ...patch },
})
const pod = reviewRequest.object as Record<string, unknown>

const admit =
  (
    body: BodyInit,
    options: { cluster?: string; type?: string | null; headers?: HeadersInit } = {},
  ): Build =>
  async () => {
    const cluster = options.cluster ?? 'alpha'
    const token = (await tokensFor('alpha')).admit
    const type = options.type === undefined ? 'application/json' : options.type
    return new Request(`http://w/v1/admit/${cluster}/${token}`, {
      method: 'POST',
      headers: { ...(type === null ? {} : { 'content-type': type }), ...options.headers },
      body,
    })
  }

const ingest =
  (body: BodyInit, cluster = 'alpha'): Build =>
  async () =>
    new Request(`http://w/v1/clusters/${cluster}/configs`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${(await tokensFor('alpha')).sync}`,
        'content-type': 'application/json',
      },
      body,
    })

const entry = (text: string, name = 'cm') => ({
  text,
  source: { kind: 'ConfigMap', namespace: 'sidecars', name, key: 'c.yaml' },
})

const plain =
  (method: string, path: string, headers: HeadersInit = {}): Build =>
  async () =>
    new Request(`http://w${path}`, { method, headers })

// A body that arrives in chunks with no Content-Length: the limit must count while reading.
const chunked = (chunks: number, size: number): ReadableStream<Uint8Array> => {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent++ >= chunks) controller.close()
      else controller.enqueue(new Uint8Array(size).fill(0x20))
    },
  })
}

const yamlBomb = [
  'name: bomb:v1',
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  '',
].join('\n')

const logger = 'name: logger:v1\ncontainers:\n  - name: logger\n    image: busybox\n'

// [case, request, expected status, text the body (or the admission log line) must contain]
const cases: [string, Build, number, string][] = [
  ['truncated JSON', admit(json(review).slice(0, 40)), 400, 'not valid JSON'],
  ['empty body', admit(''), 400, 'request body is empty'],
  ['invalid UTF-8', admit(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, 'not valid UTF-8'],
  [
    'body over 3 MiB with Content-Length',
    admit(`"${'x'.repeat(3 * MiB)}"`),
    413,
    'exceeds 3145728 bytes',
  ],
  [
    'chunked body over 3 MiB without length',
    admit(chunked(50, 64 * 1024)),
    413,
    'exceeds 3145728 bytes',
  ],
  [
    'text/plain content type',
    admit(json(review), { type: 'text/plain' }),
    415,
    'must be application/json',
  ],
  [
    'no content type',
    admit(new TextEncoder().encode(json(review)), { type: null }),
    415,
    'must be application/json, and the request has none',
  ],
  ['a JSON list', admit('[1,2]'), 400, 'must be a JSON object'],
  ['a JSON string', admit('"review"'), 400, 'must be a JSON object'],
  [
    'wrong kind',
    admit(json({ ...review, kind: 'Pod' })),
    400,
    'kind must be \\"AdmissionReview\\"',
  ],
  [
    'wrong apiVersion',
    admit(json({ ...review, apiVersion: 'admission.k8s.io/v2' })),
    400,
    'apiVersion must be',
  ],
  [
    'no request',
    admit(json({ apiVersion: review.apiVersion, kind: 'AdmissionReview' })),
    400,
    'request is missing',
  ],
  ['missing uid', admit(json(withRequest({ uid: undefined }))), 400, 'request.uid is missing'],
  [
    'request.kind not an object',
    admit(json(withRequest({ kind: 'Pod' }))),
    400,
    'request.kind must be',
  ],
  [
    'non-Pod kind',
    admit(json(withRequest({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }))),
    200,
    '"reason":"not_pod"',
  ],
  ['UPDATE', admit(json(withRequest({ operation: 'UPDATE' }))), 200, '"reason":"not_create"'],
  [
    'DELETE',
    admit(json(withRequest({ operation: 'DELETE', object: null }))),
    200,
    '"reason":"not_create"',
  ],
  [
    'bad request annotation a:b:c',
    admit(json(podReview('a:b:c'))),
    200,
    '"reason":"invalid_request"',
  ],
  [
    '__proto__ keys in the pod',
    admit(json(review).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},')),
    200,
    '"allowed":true',
  ],
  [
    'cluster with encoded /',
    admit(json(review), { cluster: 'a%2Fb' }),
    400,
    'cluster: must be lowercase',
  ],
  ['cluster with ..', admit(json(review), { cluster: 'a..b' }), 400, 'cluster: must be lowercase'],
  ['cluster as .. segment', admit(json(review), { cluster: '%2e%2e' }), 404, 'no such route'],
  [
    'uppercase cluster',
    admit(json(review), { cluster: 'Alpha' }),
    400,
    'cluster: must be lowercase',
  ],
  [
    'cluster over 63 characters',
    admit(json(review), { cluster: 'a'.repeat(64) }),
    400,
    'at most 63',
  ],
  ['admit without token segment', plain('POST', '/v1/admit/alpha'), 401, 'unauthorized'],
  [
    'malformed Authorization header',
    plain('GET', '/v1/clusters/alpha/configs', { authorization: 'Basic abc' }),
    401,
    'unauthorized',
  ],
  ['unknown route', plain('GET', '/v2/admit'), 404, 'no such route'],
  ['GET on the admit route', plain('GET', '/v1/admit/alpha/token'), 405, 'use POST'],
  ['DELETE on configs', plain('DELETE', '/v1/clusters/alpha/configs'), 405, 'use PUT, GET, HEAD'],
  ['POST on /healthz', plain('POST', '/healthz'), 405, 'use GET, HEAD'],
  ['ingest without configs', ingest(json({ config: [] })), 400, 'configs: must be a list'],
  [
    'ingest entry text not a string',
    ingest(json({ configs: [{ text: 1, source: {} }] })),
    400,
    'configs[0].text: must be a string',
  ],
  [
    'ingest source of unknown kind',
    ingest(json({ configs: [{ text: '', source: { kind: 'Secret' } }] })),
    400,
    'configs[0].source.kind',
  ],
  [
    'ingest source without namespace',
    ingest(json({ configs: [{ text: '', source: { kind: 'ConfigMap', name: 'a', key: 'b' } }] })),
    400,
    'configs[0].source.namespace',
  ],
  [
    'ingest over INJECTOR_INGEST_MAX_BYTES',
    ingest(json({ configs: [entry('x'.repeat(5000))] })),
    413,
    'exceeds 4096 bytes',
  ],
  ['ingest chunked over the limit', ingest(chunked(8, 1024)), 413, 'exceeds 4096 bytes'],
  ['YAML bomb in a config', ingest(json({ configs: [entry(yamlBomb)] })), 200, 'alias'],
  [
    'several YAML documents in one config',
    ingest(json({ configs: [entry(`${logger}---\n${logger}`)] })),
    200,
    '"status":"rejected"',
  ],
  [
    '__proto__ key in a config',
    ingest(json({ configs: [entry(`${logger}__proto__:\n  x: 1\n`)] })),
    200,
    '__proto__',
  ],
  [
    'secret literal in a config',
    ingest(
      json({
        configs: [entry('name: db:v1\nenv:\n  - name: DB_PASSWORD\n    value: hunter2\n')],
      }),
    ),
    200,
    'use valueFrom.secretKeyRef',
  ],
  [
    'duplicate name:version in one ingest',
    ingest(json({ configs: [entry(logger, 'one'), entry(logger, 'two')] })),
    200,
    'duplicate logger:v1',
  ],
  [
    'ingest for another cluster with this sync token',
    ingest(json({ configs: [] }), 'beta'),
    401,
    'unauthorized',
  ],
  [
    'preview of a Service',
    async () =>
      new Request('http://w/v1/clusters/alpha/preview', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(await tokensFor('alpha')).sync}`,
          'content-type': 'application/json',
        },
        body: json({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }),
      }),
    400,
    'Service',
  ],
]

describe('bad input', () => {
  const table = cases.map(([name, build, status, text]) => [name, status, text, build] as const)
  it.each(table)('%s -> %i %s', async (_name, status, text, build) => {
    const { app, logs } = testApp({
      vars: { INJECTOR_SECRET: SECRET, INJECTOR_INGEST_MAX_BYTES: '4096' },
    })
    const res = await app.request(await build())
    const body = await res.text()
    expect(res.status, body).toBe(status)
    if (status !== 200) expect(JSON.parse(body)).toEqual({ error: expect.any(String) })
    expect(`${body}\n${JSON.stringify(logs)}`).toContain(text)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(pod.metadata).not.toHaveProperty('polluted')
  })
})

describe('methods', () => {
  it.each([
    ['GET', '/v1/admit/alpha/token', 'POST'],
    ['GET', '/v1/admit/alpha', 'POST'],
    ['DELETE', '/v1/clusters/alpha/configs', 'PUT, GET, HEAD'],
    ['PATCH', '/v1/clusters/alpha/preview', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('%s %s -> 405, Allow: %s', async (method, path, allow) => {
    const res = await testApp().app.request(path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(allow)
    expect(await res.json()).toEqual({ error: `method ${method} not allowed; use ${allow}` })
  })

  it('answers HEAD like GET, and 404 for a path no route takes', async () => {
    const { app } = testApp()
    expect((await app.request('/healthz', { method: 'HEAD' })).status).toBe(200)
    const res = await app.request('/v1/nothing', { method: 'DELETE' })
    expect(res.status).toBe(404)
    expect(res.headers.get('allow')).toBeNull()
    expect(await res.json()).toEqual({ error: NOT_FOUND })
  })
})

describe('no answer echoes a token from the path or a header', () => {
  const ADMIT = 'AdmitTokenInThePath_0123456789abcdefghijklm'
  it.each([
    ['POST', `/v1/admit/%2e%2e/${ADMIT}`, 404],
    ['POST', `/v1/admit/alpha/%2e%2e/%2e%2e/${ADMIT}`, 404],
    ['POST', `/v1/validate/%2e%2e/${ADMIT}`, 404],
    ['POST', `/v1/admit/alpha/${ADMIT}/extra`, 404],
    ['GET', `/${ADMIT}`, 404],
    ['GET', `/v1/admit/alpha/${ADMIT}`, 405],
    ['PUT', `/v1/validate/alpha/${ADMIT}`, 405],
    ['POST', `/v1/admit/alpha/${ADMIT}`, 401],
    ['POST', `/v1/validate/alpha/${ADMIT}`, 401],
  ])('%s %s -> %i, without the token', async (method, path, status) => {
    const res = await testApp().app.request(path, { method })
    expect(res.status).toBe(status)
    const text = await res.text()
    expect(text).not.toContain(ADMIT)
    expect(text).not.toContain(ADMIT.slice(0, 12))
    if (status === 404) expect(JSON.parse(text)).toEqual({ error: NOT_FOUND })
  })

  it.each([
    ['a token as the content type', { 'content-type': ADMIT }, 415],
    ['a Bearer token as the content type', { 'content-type': `Bearer ${ADMIT}` }, 415],
  ])('never echoes %s', async (_, headers, status) => {
    const { admit: token } = await tokensFor('alpha')
    const res = await testApp().app.request(`/v1/admit/alpha/${token}`, {
      method: 'POST',
      headers,
      body: json(review),
    })
    expect(res.status).toBe(status)
    const text = await res.text()
    expect(text).not.toContain(ADMIT.slice(0, 12))
    expect(JSON.parse(text)).toEqual({ error: 'content type must be application/json' })
  })
})
