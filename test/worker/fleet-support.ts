import { deriveFleetToken } from '../../shared/cluster-token.ts'
import type { ClusterStatusReport, PodReport } from '../../shared/fleet-api.ts'
import { SECRET, type testApp, tokensFor } from './harness.ts'

type App = ReturnType<typeof testApp>['app']

/** A heartbeat as a relay sends it. */
export function heartbeat(overrides: Partial<ClusterStatusReport> = {}): ClusterStatusReport {
  return {
    relayVersion: '0.1.0',
    instance: 'relay-7d9f-abc',
    kubernetesVersion: 'v1.31.2',
    namespaces: ['*'],
    labels: 'injector.tumblr.com/sidecar-config=true',
    configs: { seen: 2, valid: 2, invalid: 0 },
    lastSuccessfulPush: '2026-01-31T12:00:00.000Z',
    ...overrides,
  }
}

/** A pod report of `counts` (per namespace). */
export function podReport(counts: PodReport['counts']): PodReport {
  return {
    listedAt: '2026-01-31T12:00:00.000Z',
    totalPods: counts.reduce((sum, c) => sum + c.pods, 10),
    counts,
  }
}

/** The fleet token of the tests' secret. */
export function fleetToken(secret = SECRET): Promise<string> {
  return deriveFleetToken(secret, crypto.subtle)
}

/** Sends `method path` with a bearer token and, when given, a JSON body (text is sent as is). */
export function send(
  app: App,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  ctx?: ExecutionContext,
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  return Promise.resolve(app.request(path, init, undefined, ctx))
}

/** PUT a heartbeat (or any body) to a cluster's status route with its sync token. */
export async function putStatus(app: App, cluster: string, body: unknown): Promise<Response> {
  return send(app, 'PUT', `/v1/clusters/${cluster}/status`, (await tokensFor(cluster)).sync, body)
}

export async function putPods(app: App, cluster: string, body: unknown): Promise<Response> {
  return send(app, 'PUT', `/v1/clusters/${cluster}/pods`, (await tokensFor(cluster)).sync, body)
}

export async function getStatus(app: App, cluster: string): Promise<Response> {
  return send(app, 'GET', `/v1/clusters/${cluster}/status`, (await tokensFor(cluster)).sync)
}

/** An execution context whose `waitUntil` promises a test can await. */
export function testContext(): { ctx: ExecutionContext; settled: () => Promise<unknown> } {
  const pending: Promise<unknown>[] = []
  const ctx = {
    waitUntil: (promise: Promise<unknown>) => {
      pending.push(promise)
    },
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext
  return { ctx, settled: () => Promise.allSettled(pending) }
}
