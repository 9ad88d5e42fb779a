import { describe, expect, it } from 'vitest'
import { createFleetSink } from '../../relay/fleet-sink.ts'
import type { PutFetch } from '../../relay/http-put.ts'
import type { ClusterStatusReport, PodReport } from '../../shared/fleet-api.ts'
import { TOKEN_A } from '../support/token-texts.ts'

const STATUS: ClusterStatusReport = {
  relayVersion: '0.1.0',
  instance: 'relay-0',
  namespaces: ['*'],
  labels: 'app=k8s-sidecar-injector',
  configs: { seen: 2, valid: 1, invalid: 1 },
}
const PODS: PodReport = {
  listedAt: '2026-03-01T12:00:00.000Z',
  totalPods: 3,
  counts: [{ config: 'logger:v1', hash: '0a1b2c3d', namespace: 'web', pods: 2 }],
}

function fakeFetch(answer: () => Response) {
  const calls: { url: string; method: string; headers: Record<string, string>; body: string }[] = []
  const fetchFn: PutFetch = async (url, init) => {
    calls.push({ url, method: init.method, headers: { ...init.headers }, body: init.body })
    return answer()
  }
  return { calls, fetchFn }
}

describe('createFleetSink', () => {
  it('PUTs the heartbeat and the pod report to the cluster with the sync token', async () => {
    const { calls, fetchFn } = fakeFetch(() => Response.json({ ok: true }))
    const sink = createFleetSink({
      workerUrl: 'https://w.example',
      cluster: 'prod-eu',
      token: () => 'sync-token',
      fetch: fetchFn,
    })
    expect(await sink.sendStatus(STATUS)).toEqual({ kind: 'ok' })
    expect(await sink.sendPods(PODS)).toEqual({ kind: 'ok' })
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['PUT', 'https://w.example/v1/clusters/prod-eu/status'],
      ['PUT', 'https://w.example/v1/clusters/prod-eu/pods'],
    ])
    expect(calls.map((c) => c.headers.authorization)).toEqual([
      'Bearer sync-token',
      'Bearer sync-token',
    ])
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual(STATUS)
    expect(JSON.parse(calls[1]?.body ?? '')).toEqual(PODS)
  })

  it('tells a Worker without the route (404) from a failure', async () => {
    const { fetchFn } = fakeFetch(() => new Response('not found', { status: 404 }))
    const sink = createFleetSink({
      workerUrl: 'http://w',
      cluster: 'c',
      token: () => 't',
      fetch: fetchFn,
    })
    expect(await sink.sendStatus(STATUS)).toEqual({ kind: 'unsupported' })
  })

  it('describes a refusal with the Worker message, tokens redacted', async () => {
    const { fetchFn } = fakeFetch(() =>
      Response.json(
        { error: `configs.valid: must be a number (token ${TOKEN_A})` },
        { status: 400 },
      ),
    )
    const sink = createFleetSink({
      workerUrl: 'http://w',
      cluster: 'c',
      token: () => 't',
      fetch: fetchFn,
    })
    expect(await sink.sendPods(PODS)).toEqual({
      kind: 'error',
      status: 400,
      message: 'Worker answered 400: configs.valid: must be a number (token [redacted])',
    })
  })

  it('reports a Worker out of reach without a status', async () => {
    const sink = createFleetSink({
      workerUrl: 'http://w',
      cluster: 'c',
      token: () => 't',
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })
      },
    })
    expect(await sink.sendStatus(STATUS)).toEqual({
      kind: 'error',
      message: 'fetch failed: connect ECONNREFUSED',
    })
  })
})
