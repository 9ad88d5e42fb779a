import { describe, expect, it } from 'vitest'
import type { ClusterStatusView, FleetView } from '../../shared/fleet-api.ts'
import type { FleetRegistry } from '../../worker/fleet/fleet-registry.ts'
import { parseMetrics } from '../support/prometheus-text.ts'
import {
  fleetToken,
  getStatus,
  heartbeat,
  podReport,
  putPods,
  putStatus,
  send,
  testContext,
} from './fleet-support.ts'
import {
  admissionOf,
  brokenKv,
  configText,
  OLD_SECRET,
  podReview,
  postReview,
  pushConfigs,
  testApp,
  tokensFor,
} from './harness.ts'

const STAMP = 'injector.tumblr.com/injected'

/** An app whose clock the test moves (KV takes one write per key per second). */
function clockedApp() {
  let t = Date.parse('2026-02-01T00:00:00Z')
  const { app } = testApp({ now: () => t })
  return { app, advance: (ms: number) => (t += ms), now: () => t }
}

/** The stamp the Worker puts on a pod of `cluster` asking for `request`. */
async function stampOf(app: ReturnType<typeof testApp>['app'], cluster: string, request: string) {
  const { patch } = await admissionOf(await postReview(app, cluster, podReview(request)))
  const op = patch.find((o) => o.path === `/metadata/annotations/${STAMP.replace('/', '~1')}`)
  return String(op?.value ?? '')
}

describe('cluster status', () => {
  it('round trip: a heartbeat shows in status with when it came and the scope it serves', async () => {
    const { app, now } = clockedApp()
    expect((await pushConfigs(app, 'prod-eu', [configText('logger:v1')])).status).toBe(200)
    const res = await putStatus(app, 'prod-eu', heartbeat())
    expect(res.status).toBe(200)
    const view = (await (await getStatus(app, 'prod-eu')).json()) as ClusterStatusView
    expect(view).toMatchObject({
      cluster: 'prod-eu',
      lastSeen: new Date(now()).toISOString(),
      syncAgeSeconds: 0,
      status: heartbeat(),
      scope: { scope: 'prod-eu', servedRevision: 1, headRevision: 1, pinned: false, configs: 1 },
      servedConfigs: 1,
    })
    expect(view.refused).toBeUndefined()
  })

  it.each([
    [{ ...heartbeat(), relayVersion: 7 }, 'relayVersion: must be a string'],
    [{ ...heartbeat(), configs: { seen: 1, valid: -1, invalid: 0 } }, 'configs.valid: must be'],
    [{ ...heartbeat(), shoeSize: 44 }, 'shoeSize: unknown field'],
    [{ ...heartbeat(), kubernetesVersion: `v1.31.${'9'.repeat(70)}` }, 'kubernetesVersion: '],
    [{ ...heartbeat(), lastError: { at: 'yesterday', message: 'x' } }, 'lastError.at: must be'],
    [{ ...heartbeat(), namespaces: undefined }, 'namespaces: required'],
    ['{"relayVersion": ', 'not valid JSON'],
  ])(
    'a malformed heartbeat gets 400 naming the field, and the last good one is kept (%#)',
    async (bad, field) => {
      const { app, advance } = clockedApp()
      expect((await putStatus(app, 'prod-eu', heartbeat())).status).toBe(200)
      advance(5000)
      const res = await putStatus(app, 'prod-eu', bad)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain(field)
      const view = (await (await getStatus(app, 'prod-eu')).json()) as ClusterStatusView
      expect(view.status).toEqual(heartbeat())
      expect(view.refused?.message).toContain(field)
      // The cluster was seen: the relay is alive, its heartbeat is what is wrong.
      expect(view.syncAgeSeconds).toBe(0)
      // A good heartbeat clears the refusal.
      expect((await putStatus(app, 'prod-eu', heartbeat({ relayVersion: '0.2.0' }))).status).toBe(
        200,
      )
      const after = (await (await getStatus(app, 'prod-eu')).json()) as ClusterStatusView
      expect(after.refused).toBeUndefined()
      expect(after.status?.relayVersion).toBe('0.2.0')
    },
  )

  it('refuses oversized heartbeats and pod reports with 413, before reading them', async () => {
    const { app } = testApp()
    const status = await putStatus(app, 'prod-eu', heartbeat({ labels: 'x'.repeat(300 * 1024) }))
    expect(status.status).toBe(413)
    const rows = Array.from({ length: 30_000 }, (_, i) => ({
      config: 'logger:v1',
      hash: '0a1b2c3d',
      namespace: `namespace-with-a-long-name-${i}`,
      pods: 1,
    }))
    const pods = await putPods(app, 'prod-eu', podReport(rows))
    expect(pods.status).toBe(413)
    expect(((await pods.json()) as { error: string }).error).toMatch(/exceeds 2097152 bytes/)
  })

  it('a pod report with a bad row gets 400 naming the row', async () => {
    const { app } = testApp()
    const res = await putPods(
      app,
      'prod-eu',
      podReport([{ config: 'logger:v1', hash: 'XYZ', namespace: 'a', pods: 1 }]),
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe(
      'counts[0].hash: must be 8 lowercase hex digits',
    )
  })
})

describe('tokens: fleet routes take the fleet token only, cluster routes never take it', () => {
  it('gives every wrong kind of token the same 401', async () => {
    const { app } = testApp()
    const cluster = 'prod-eu'
    const { admit, sync } = await tokensFor(cluster)
    const fleet = await fleetToken()
    const oldFleet = await fleetToken(OLD_SECRET)
    const cases: [string, string, string | undefined][] = [
      ['GET', '/v1/fleet', admit],
      ['GET', '/v1/fleet', sync],
      ['GET', '/v1/fleet', oldFleet],
      ['GET', '/v1/fleet', undefined],
      ['GET', '/v1/fleet/metrics', sync],
      ['GET', `/v1/fleet/clusters/${cluster}`, sync],
      ['DELETE', `/v1/fleet/clusters/${cluster}`, sync],
      ['GET', `/v1/clusters/${cluster}/status`, fleet],
      ['GET', `/v1/clusters/${cluster}/status`, admit],
      ['PUT', `/v1/clusters/${cluster}/status`, fleet],
      ['PUT', `/v1/clusters/${cluster}/pods`, fleet],
      ['GET', `/v1/clusters/${cluster}/revisions`, fleet],
      ['PUT', `/v1/clusters/${cluster}/configs`, fleet],
    ]
    for (const [method, path, token] of cases) {
      const body = method === 'PUT' ? heartbeat() : undefined
      const res = await send(app, method, path, token, body)
      expect({ path, token, status: res.status, body: await res.json() }).toEqual({
        path,
        token,
        status: 401,
        body: { error: 'unauthorized' },
      })
    }
    // The admit route refuses the fleet token in its path the same way.
    const review = await send(
      app,
      'POST',
      `/v1/admit/${cluster}/${fleet}`,
      undefined,
      podReview('a'),
    )
    expect(review.status).toBe(401)
    // And the right token passes.
    expect((await send(app, 'GET', '/v1/fleet', fleet)).status).toBe(200)
  })

  it('takes the fleet token of the previous secret while rotating', async () => {
    const { app } = testApp({ vars: { INJECTOR_SECRET_PREVIOUS: OLD_SECRET } })
    expect((await send(app, 'GET', '/v1/fleet', await fleetToken(OLD_SECRET))).status).toBe(200)
  })
})

describe('the fleet view', () => {
  it('counts drift against the hashes the cluster view serves now, its own scope before shared', async () => {
    const { app, advance } = clockedApp()
    expect((await pushConfigs(app, 'prod-eu', [configText('logger:v1', 'a')])).status).toBe(200)
    expect(
      (
        await pushConfigs(app, 'shared', [
          configText('metrics:v1', 'm'),
          configText('logger:v1', 'shared'),
        ])
      ).status,
    ).toBe(200)
    await putStatus(app, 'prod-eu', heartbeat())
    // What an injected pod is stamped with: the cluster's own logger, shared's metrics.
    const stamp = await stampOf(app, 'prod-eu', 'logger:v1,metrics:v1')
    const [logger = '', metrics = ''] = stamp.split(',').map((s) => s.split('@')[1])
    expect(stamp).toMatch(/^logger:v1@[0-9a-f]{8},metrics:v1@[0-9a-f]{8}$/)
    const report = podReport([
      { config: 'logger:v1', hash: logger, namespace: 'a', pods: 5 },
      { config: 'logger:v1', hash: logger, namespace: 'b', pods: 3 },
      { config: 'metrics:v1', hash: metrics, namespace: 'a', pods: 8 },
      { config: 'logger:v1', hash: '00000000', namespace: 'a', pods: 2 },
      { config: 'gone:v1', hash: '12345678', namespace: 'a', pods: 4 },
    ])
    expect((await putPods(app, 'prod-eu', report)).status).toBe(200)
    const fleet = await fleetToken()
    const first = (await (await send(app, 'GET', '/v1/fleet', fleet)).json()) as FleetView
    expect(first.clusters).toEqual([
      expect.objectContaining({
        cluster: 'prod-eu',
        relayVersion: '0.1.0',
        kubernetesVersion: 'v1.31.2',
        configs: { seen: 2, valid: 2, invalid: 0 },
        servedConfigs: 2,
        revision: 1,
        pinned: false,
        drift: { current: 16, drifted: 2, unserved: 4 },
      }),
    ])
    // The logger config is edited: every pod stamped with the old hash has drifted.
    advance(2000)
    expect((await pushConfigs(app, 'prod-eu', [configText('logger:v1', 'b')])).status).toBe(200)
    const second = (await (await send(app, 'GET', '/v1/fleet', fleet)).json()) as FleetView
    expect(second.clusters[0]).toMatchObject({
      revision: 2,
      drift: { current: 8, drifted: 10, unserved: 4 },
    })
    const detail = (await (
      await send(app, 'GET', '/v1/fleet/clusters/prod-eu', fleet)
    ).json()) as ClusterStatusView
    expect(detail.pods?.drift).toContainEqual({
      config: 'logger:v1',
      hash: logger,
      pods: 8,
      served: expect.not.stringMatching(logger) as unknown as string,
      state: 'drifted',
    })
    // The sync-token status of the cluster says the same.
    const own = (await (await getStatus(app, 'prod-eu')).json()) as ClusterStatusView
    expect(own.drift).toEqual({ current: 8, drifted: 10, unserved: 4 })
  })

  it('shows status without drift when KV cannot be read', async () => {
    const { app } = testApp({ kv: brokenKv('throw') })
    expect((await putStatus(app, 'prod-eu', heartbeat())).status).toBe(200)
    const pods = podReport([{ config: 'logger:v1', hash: '0a1b2c3d', namespace: 'a', pods: 1 }])
    expect((await putPods(app, 'prod-eu', pods)).status).toBe(200)
    const res = await getStatus(app, 'prod-eu')
    expect(res.status).toBe(200)
    const view = (await res.json()) as ClusterStatusView
    expect(view.status).toEqual(heartbeat())
    expect([view.drift, view.pods, view.servedConfigs]).toEqual([undefined, undefined, undefined])
  })

  it('answers 404 for a cluster that never reported nor was pushed to', async () => {
    const { app } = testApp()
    const res = await send(app, 'GET', '/v1/fleet/clusters/nowhere', await fleetToken())
    expect(res.status).toBe(404)
  })
})

describe('fleet metrics', () => {
  it('serves admissions by cluster, decision, reason and config, sync age and pods per config@hash', async () => {
    const { app, advance } = clockedApp()
    await pushConfigs(app, 'prod-eu', [configText('logger:v1')])
    await putStatus(app, 'prod-eu', heartbeat())
    const { ctx, settled } = testContext()
    const admit = async (request: string | undefined) => {
      const { admit: token } = await tokensFor('prod-eu')
      const res = await send(
        app,
        'POST',
        `/v1/admit/prod-eu/${token}`,
        undefined,
        podReview(request),
        ctx,
      )
      expect(res.status).toBe(200)
    }
    await admit('logger:v1')
    await admit('logger:v1')
    await admit('missing:v9')
    await admit(undefined)
    // The first admission of the isolate sends at once; the others wait for the interval.
    advance(5000)
    await admit('logger:v1')
    await settled()
    const stamp = await stampOf(app, 'prod-eu', 'logger:v1')
    await putPods(
      app,
      'prod-eu',
      podReport([
        { config: 'logger:v1', hash: stamp.split('@')[1] ?? '', namespace: 'a', pods: 7 },
      ]),
    )
    advance(42_000)
    const res = await send(app, 'GET', '/v1/fleet/metrics', await fleetToken())
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const metrics = parseMetrics(await res.text())
    const admissions = (labels: Record<string, string>) =>
      metrics.value('sidecar_injector_admissions_total', { cluster: 'prod-eu', ...labels })
    expect(admissions({ decision: 'inject', reason: 'injected', config: 'logger:v1' })).toBe(3)
    expect(admissions({ decision: 'skip', reason: 'missing_config', config: 'missing:v9' })).toBe(1)
    expect(admissions({ decision: 'skip', reason: 'no_request', config: '' })).toBe(1)
    expect(metrics.value('sidecar_injector_cluster_sync_age_seconds', { cluster: 'prod-eu' })).toBe(
      47,
    )
    expect(
      metrics.value('sidecar_injector_pods', {
        cluster: 'prod-eu',
        config: 'logger:v1',
        hash: stamp.split('@')[1] ?? '',
        state: 'current',
      }),
    ).toBe(7)
  })
})

describe('forgetting a cluster', () => {
  it('drops its record and admission counts from the fleet view and metrics, keeping its configs', async () => {
    const { app, advance } = clockedApp()
    await pushConfigs(app, 'old-eu', [configText('logger:v1')])
    await putStatus(app, 'old-eu', heartbeat())
    await putStatus(app, 'prod-eu', heartbeat())
    const { ctx, settled } = testContext()
    const { admit } = await tokensFor('old-eu')
    await send(app, 'POST', `/v1/admit/old-eu/${admit}`, undefined, podReview('logger:v1'), ctx)
    await settled()
    advance(1000)
    const fleet = await fleetToken()
    const forgotten = await send(app, 'DELETE', '/v1/fleet/clusters/old-eu', fleet)
    expect(forgotten.status).toBe(200)
    expect(await forgotten.json()).toEqual({ cluster: 'old-eu', admissionSeries: 1 })
    const view = (await (await send(app, 'GET', '/v1/fleet', fleet)).json()) as FleetView
    expect(view.clusters.map((c) => c.cluster)).toEqual(['prod-eu'])
    const metrics = await (await send(app, 'GET', '/v1/fleet/metrics', fleet)).text()
    expect(metrics).not.toContain('cluster="old-eu"')
    expect(metrics).toContain('cluster="prod-eu"')
    // The scope is not the registry's: its configs are still served and listed.
    expect(await stampOf(app, 'old-eu', 'logger:v1')).toMatch(/^logger:v1@/)
    // Once gone, it is not there to forget; a name that is not a cluster name is a 400.
    const again = await send(app, 'DELETE', '/v1/fleet/clusters/old-eu', fleet)
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({ error: 'cluster "old-eu" is not in the fleet registry' })
    expect((await send(app, 'DELETE', '/v1/fleet/clusters/Not_A_Name', fleet)).status).toBe(400)
    // A relay still running registers the cluster again with its next heartbeat.
    await putStatus(app, 'old-eu', heartbeat())
    const back = (await (await send(app, 'GET', '/v1/fleet', fleet)).json()) as FleetView
    expect(back.clusters.map((c) => c.cluster)).toEqual(['old-eu', 'prod-eu'])
  })
})

describe('admissions never wait on the fleet object', () => {
  it.each([
    ['throws on the call', 'throw'],
    ['rejects', 'reject'],
    ['never answers', 'hang'],
  ] as const)('an admission injects when the fleet object %s', async (_what, mode) => {
    let calls = 0
    const broken = (): FleetRegistry => {
      calls++
      if (mode === 'throw') throw new Error('fleet object unavailable')
      const fail = (): Promise<never> =>
        mode === 'reject' ? Promise.reject(new Error('overloaded')) : new Promise<never>(() => {})
      return {
        recordStatus: fail,
        refuseStatus: fail,
        recordPods: fail,
        cluster: fail,
        clusters: fail,
        addAdmissions: fail,
        admissions: fail,
        forget: fail,
      }
    }
    const { app } = testApp({ fleet: broken })
    await pushConfigs(app, 'prod-eu', [configText('logger:v1')])
    const { ctx } = testContext()
    const { admit } = await tokensFor('prod-eu')
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      const res = await send(
        app,
        'POST',
        `/v1/admit/prod-eu/${admit}`,
        undefined,
        podReview('logger:v1'),
        ctx,
      )
      const answer = await admissionOf(res)
      expect(answer.allowed).toBe(true)
      expect(answer.warnings).toEqual([])
      expect(answer.patch.some((op) => op.path.endsWith('~1injected'))).toBe(true)
      expect(Date.now() - started).toBeLessThan(1000)
    }
    // The counts were offered to the fleet object (once: the next send waits for the interval).
    expect(calls).toBe(1)
  })
})
