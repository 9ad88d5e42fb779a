import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../relay/worker-request.ts'
import { createWorkerSink } from '../../relay/worker-sink.ts'
import type { IngestRequest, IngestResponse } from '../../shared/ingest-api.ts'
import { TOKEN_A, TOKEN_B } from '../support/token-texts.ts'

const REQUEST: IngestRequest = {
  configs: [
    { text: 'name: a', source: { kind: 'ConfigMap', namespace: 'n', name: 'm', key: 'k' } },
  ],
}
const RESPONSE: IngestResponse = {
  cluster: 'c1',
  results: [],
  stored: ['a:latest'],
  removed: [],
  unchanged: false,
  kvOps: { reads: 0, writes: 1 },
  revision: 1,
  published: true,
  pinned: false,
}

function fakeFetch(answer: () => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = []
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} })
    return answer()
  }) as typeof fetch
  return { calls, fetchFn }
}

describe('createWorkerSink', () => {
  it('never repeats a header value that fetch refuses', async () => {
    // Node's fetch names the refused value: here the whole `token` output, both tokens.
    const sink = createWorkerSink({
      workerUrl: 'http://127.0.0.1:9',
      scope: 'c1',
      token: () => `admit: ${TOKEN_A}\nsync: ${TOKEN_B}`,
    })
    const outcome = await sink.push(REQUEST, new AbortController().signal)
    expect(outcome).toEqual({
      kind: 'error',
      message: 'fetch refused a request header (its value is not shown); check the token file',
    })
  })

  it.each([
    [
      'a token echoed in an error body',
      JSON.stringify({ error: `token ${TOKEN_A} refused` }),
      'Worker answered 400: token [redacted] refused',
    ],
    [
      'a Bearer value in a plain-text body',
      `bad header Bearer ${TOKEN_A}`,
      'Worker answered 400: bad header Bearer [redacted]',
    ],
  ])('redacts %s', async (_, body, message) => {
    const { fetchFn } = fakeFetch(() => new Response(body, { status: 400 }))
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'c1',
      token: () => 't',
      fetch: fetchFn,
    })
    expect(await sink.push(REQUEST, new AbortController().signal)).toEqual({
      kind: 'error',
      status: 400,
      message,
    })
  })

  it('PUTs the set to the scope with the current token and reads the answer', async () => {
    let token = 'first'
    const { calls, fetchFn } = fakeFetch(() => Response.json(RESPONSE))
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'shared',
      token: () => token,
      fetch: fetchFn,
    })
    expect(await sink.push(REQUEST, new AbortController().signal)).toEqual({
      kind: 'ok',
      response: RESPONSE,
    })
    token = 'second'
    await sink.push(REQUEST, new AbortController().signal)
    expect(calls.map((c) => c.url)).toEqual([
      'http://w/v1/clusters/shared/configs',
      'http://w/v1/clusters/shared/configs',
    ])
    expect(calls[0]?.init.method).toBe('PUT')
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(REQUEST)
    const auth = calls.map((c) => (c.init.headers as Record<string, string>).authorization)
    expect(auth).toEqual(['Bearer first', 'Bearer second'])
  })

  it.each([
    ['relay-7c9d-abcde', 'relay-7c9d-abcde'],
    [undefined, undefined],
    // A name the Worker would refuse with 400 is left out rather than failing every push.
    ['bad name\n', undefined],
  ])('names instance %j in x-relay-instance: %j', async (instance, header) => {
    const { calls, fetchFn } = fakeFetch(() => Response.json(RESPONSE))
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'c1',
      token: () => 't',
      fetch: fetchFn,
      ...(instance === undefined ? {} : { instance }),
    })
    await sink.push(REQUEST, new AbortController().signal)
    const headers = calls[0]?.init.headers as Record<string, string>
    expect(headers['x-relay-instance']).toBe(header)
    expect(headers.authorization).toBe('Bearer t')
  })

  it('turns an error answer into a failure with the Worker message and Retry-After', async () => {
    const { fetchFn } = fakeFetch(
      () =>
        new Response(JSON.stringify({ error: 'slow down' }), {
          status: 429,
          headers: { 'retry-after': '3' },
        }),
    )
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'c1',
      token: () => 't',
      fetch: fetchFn,
    })
    expect(await sink.push(REQUEST, new AbortController().signal)).toEqual({
      kind: 'error',
      status: 429,
      message: 'Worker answered 429: slow down',
      retryAfterMs: 3000,
    })
  })

  it('turns a network failure into a failure without a status', async () => {
    const { fetchFn } = fakeFetch(() => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })
    })
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'c1',
      token: () => 't',
      fetch: fetchFn,
    })
    expect(await sink.push(REQUEST, new AbortController().signal)).toEqual({
      kind: 'error',
      message: 'fetch failed: connect ECONNREFUSED',
    })
  })

  it('gives up on a Worker that does not answer within the timeout', async () => {
    const fetchFn = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })) as typeof fetch
    const sink = createWorkerSink({
      workerUrl: 'http://w',
      scope: 'c1',
      token: () => 't',
      fetch: fetchFn,
      timeoutMs: () => 50,
    })
    expect(await sink.push(REQUEST, new AbortController().signal)).toEqual({
      kind: 'error',
      message: 'no answer from the Worker within 50 ms',
    })
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  it.each([
    [null, undefined],
    ['', undefined],
    ['2', 2000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
  ])('%j is %j ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms)
  })
})
