// The relay against the fake API server and the real Worker (workerd through Miniflare, with
// its scope and fleet objects): its heartbeat shows up in the cluster's status, and a report of
// 10,000 pods shows drift once a config is edited.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { deriveFleetToken } from '../../shared/cluster-token.ts'
import type { ClusterStatusView, FleetView } from '../../shared/fleet-api.ts'
import type { PodInput } from '../support/fake-apiserver/pod-input.ts'
import type { LocalWorker } from '../support/local-worker.ts'
import { startMiniflareWorker } from '../support/miniflare-worker.ts'
import { parseMetrics } from '../support/prometheus-text.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const SECRET = 'relay-fleet-worker-secret-0123456789abcdef'
const STAMP = 'injector.tumblr.com/injected'
let worker: LocalWorker

beforeAll(async () => {
  worker = await startMiniflareWorker({ secret: SECRET })
}, 60_000)
afterAll(async () => {
  await worker?.stop()
})

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

describe('the relay reports to the real Worker', () => {
  it('shows its heartbeat in status, and drift in a report of 10,000 pods after a config edit', async () => {
    const cluster = 'fleet-e2e'
    const stack = await startRelayStack({ worker, secret: SECRET, cluster })
    onTestFailed(() => console.error(stack.relayOutput()))
    const status = async (): Promise<ClusterStatusView> => {
      const res = await fetch(`${worker.url}/v1/clusters/${cluster}/status`, {
        headers: { authorization: `Bearer ${stack.tokens.sync}` },
      })
      expect(res.status).toBe(200)
      return (await res.json()) as ClusterStatusView
    }
    try {
      stack.fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'logging',
        labels: RELAY_LABELS,
        data: { 'logger.yaml': sidecarConfigText({ name: 'logger', revision: '1' }) },
      })
      await stack.startRelay({
        'report-pods': 'true',
        'report-pods-interval': '2s',
        'heartbeat-interval': '2s',
      })
      const first = await until('the heartbeat in status', async () => {
        const view = await status()
        // The first heartbeat may leave before the first push; the next says what it pushed.
        const pushed = view.status?.lastSuccessfulPush !== undefined
        return pushed && view.scope?.servedRevision === 1 ? view : undefined
      })
      expect(first.status).toMatchObject({
        kubernetesVersion: 'v1.32.0-fake',
        namespaces: [CONFIG_NAMESPACE],
        configs: { seen: 1, valid: 1, invalid: 0 },
      })
      expect(first.syncAgeSeconds).toBeLessThan(10)

      // A pod admitted now is stamped with the hash the cluster's view serves.
      const review = {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'u1',
          kind: { group: '', version: 'v1', kind: 'Pod' },
          resource: { group: '', version: 'v1', resource: 'pods' },
          operation: 'CREATE',
          namespace: 'team-0',
          object: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'p', annotations: { 'injector.tumblr.com/request': 'logger:v1' } },
            spec: { containers: [{ name: 'app', image: 'nginx' }] },
          },
        },
      }
      const admitted = (await (
        await fetch(`${worker.url}/v1/admit/${cluster}/${stack.tokens.admit}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(review),
        })
      ).json()) as { response: { patch: string } }
      const patch = JSON.parse(Buffer.from(admitted.response.patch, 'base64').toString()) as {
        path: string
        value: unknown
      }[]
      const stamp = String(patch.find((op) => op.path.endsWith('~1injected'))?.value)
      expect(stamp).toMatch(/^logger:v1@[0-9a-f]{8}$/)

      // 10,000 pods: 6,000 run that stamp, 3,000 an older hash, 1,000 were never injected.
      const pods: PodInput[] = Array.from({ length: 10_000 }, (_, i) => {
        const annotations =
          i < 6000 ? { [STAMP]: stamp } : i < 9000 ? { [STAMP]: 'logger:v1@00000000' } : undefined
        return {
          namespace: `team-${i % 10}`,
          name: `pod-${i}`,
          ...(annotations === undefined ? {} : { annotations }),
        }
      })
      stack.fake.seedPods(pods)
      const reported = await until('the pod report in status', async () => {
        const view = await status()
        return view.pods?.totalPods === 10_000 ? view : undefined
      })
      expect(reported.drift).toEqual({ current: 6000, drifted: 3000, unserved: 0 })

      // The config is edited: the relay pushes it, the view serves a new hash, and every pod
      // stamped with the old one has drifted (they were not restarted).
      stack.fake.updateConfigMap(CONFIG_NAMESPACE, 'logging', {
        data: { 'logger.yaml': sidecarConfigText({ name: 'logger', revision: '2' }) },
      })
      const edited = await until('the edit served', async () => {
        const view = await status()
        return view.scope?.servedRevision === 2 && !view.scope.publishPending ? view : undefined
      })
      expect(edited.drift).toEqual({ current: 0, drifted: 9000, unserved: 0 })
      expect(edited.pods?.drift.map((r) => [r.hash, r.pods, r.state])).toEqual([
        [stamp.split('@')[1], 6000, 'drifted'],
        ['00000000', 3000, 'drifted'],
      ])

      // The fleet token reads the same in the fleet view and the metrics.
      const fleetToken = await deriveFleetToken(SECRET, crypto.subtle)
      const fleet = (await (
        await fetch(`${worker.url}/v1/fleet`, {
          headers: { authorization: `Bearer ${fleetToken}` },
        })
      ).json()) as FleetView
      expect(fleet.clusters.find((c) => c.cluster === cluster)).toMatchObject({
        kubernetesVersion: 'v1.32.0-fake',
        revision: 2,
        pinned: false,
        drift: { current: 0, drifted: 9000, unserved: 0 },
      })
      const metrics = parseMetrics(
        await (
          await fetch(`${worker.url}/v1/fleet/metrics`, {
            headers: { authorization: `Bearer ${fleetToken}` },
          })
        ).text(),
      )
      expect(
        metrics.value('sidecar_injector_pods', {
          cluster,
          config: 'logger:v1',
          hash: stamp.split('@')[1] ?? '',
          state: 'drifted',
        }),
      ).toBe(6000)
      expect(
        metrics.value('sidecar_injector_admissions_total', {
          cluster,
          decision: 'inject',
          reason: 'injected',
          config: 'logger:v1',
        }),
      ).toBe(1)
    } finally {
      await stack.stop()
    }
  })
})
