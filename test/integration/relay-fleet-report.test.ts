import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { buildRelayBundle, RELAY_NODE_FLAGS } from '../../scripts/relay-bundle.ts'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import type { PodCount } from '../../shared/fleet-api.ts'
import type { PodInput } from '../support/fake-apiserver/pod-input.ts'
import { type FleetRecorder, startFleetRecorder } from '../support/fleet-recorder.ts'
import {
  CONFIG_NAMESPACE,
  RELAY_LABELS,
  type RelayStack,
  startRelayStack,
} from '../support/relay-stack.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const SECRET = 'fleet-report-secret-0123456789abcdef'
const STAMP = 'injector.tumblr.com/injected'
const root = resolve(import.meta.dirname, '../..')
const packageVersion = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string
  }
).version

// The relay as the image runs it, like the end-to-end test: the bundle and the image's flags.
const bundleDir = mkdtempSync(join(tmpdir(), 'relay-bundle-'))
let relayProgram: { entry: string; nodeArgs: readonly string[] }
beforeAll(async () => {
  relayProgram = {
    entry: await buildRelayBundle(join(bundleDir, 'relay.mjs')),
    nodeArgs: RELAY_NODE_FLAGS,
  }
})
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }))

/** `count` pods over 10 namespaces; the stamp of pod i follows i % 5, a few are malformed. */
function seededPods(count: number): PodInput[] {
  const stamps = [
    undefined,
    'logger:v1@0a1b2c3d',
    'logger:v1@0a1b2c3d,metrics:v2@4e5f6a7b',
    'logger:v1@99999999',
    'not a stamp',
  ]
  return Array.from({ length: count }, (_, i) => {
    const stamp = stamps[i % stamps.length]
    return {
      namespace: `team-${i % 10}`,
      name: `pod-${i}`,
      ...(stamp === undefined ? {} : { annotations: { [STAMP]: stamp } }),
    }
  })
}

/** The counts the report must carry, computed from the seed without the relay's parser. */
function expectedCounts(pods: readonly PodInput[]): PodCount[] {
  const counts = new Map<string, number>()
  for (const pod of pods) {
    const stamp = pod.annotations?.[STAMP] ?? ''
    for (const entry of stamp.split(',')) {
      const [config, hash] = entry.split('@')
      if (hash === undefined || config === undefined) continue
      const key = `${pod.namespace}|${config}|${hash}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return [...counts].map(([key, pods]) => {
    const [namespace = '', config = '', hash = ''] = key.split('|')
    return { config, hash, namespace, pods }
  })
}

const byKey = (a: PodCount, b: PodCount) =>
  `${a.namespace}|${a.config}|${a.hash}` < `${b.namespace}|${b.config}|${b.hash}` ? -1 : 1

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

async function startStack(cluster: string, recorder: FleetRecorder): Promise<RelayStack> {
  const stack = await startRelayStack({ worker: recorder, secret: SECRET, cluster, relayProgram })
  stack.fake.createConfigMap({
    namespace: CONFIG_NAMESPACE,
    name: 'logging',
    labels: RELAY_LABELS,
    data: { 'logger.yaml': sidecarConfigText({ name: 'logger', revision: '1' }) },
  })
  return stack
}

describe('the relay reports its cluster to the Worker', () => {
  it('sends heartbeats with its versions and counts, and a report of 10,000 pods counted per config@hash', async () => {
    const cluster = 'fleet-report'
    const tokens = await deriveClusterTokens(SECRET, cluster, crypto.subtle)
    const recorder = await startFleetRecorder({ token: tokens.sync })
    const stack = await startStack(cluster, recorder)
    onTestFailed(() => console.error(stack.relayOutput()))
    try {
      const pods = seededPods(10_000)
      stack.fake.seedPods(pods)
      const relay = await stack.startRelay({
        'report-pods': 'true',
        'report-pods-interval': '3s',
        'heartbeat-interval': '2s',
      })
      await until('a pod report', () => recorder.podReports().length > 0)
      const report = recorder.podReports()[0]?.body
      expect(report?.totalPods).toBe(10_000)
      expect(Date.parse(report?.listedAt ?? '')).toBeGreaterThan(Date.now() - 60_000)
      expect([...(report?.counts ?? [])].sort(byKey)).toEqual(expectedCounts(pods).sort(byKey))
      // Metadata only, page by page with the default limit, under the relay's own name.
      const lists = stack.fake.requests({ verb: 'list', resource: 'pods' })
      expect(lists.length).toBeGreaterThanOrEqual(20)
      for (const list of lists) {
        expect(list.query.limit).toBe('500')
        expect(list.accept).toMatch(
          /^application\/json;as=PartialObjectMetadataList;g=meta\.k8s\.io;v=v1,/,
        )
        expect(list.userAgent).toBe(`sidecar-injector-relay/${packageVersion}`)
      }

      await until('four heartbeats', () => recorder.statuses().length >= 4)
      const last = recorder.statuses().at(-1)?.body
      expect(last).toEqual({
        relayVersion: packageVersion,
        instance: hostname(),
        kubernetesVersion: 'v1.32.0-fake',
        namespaces: [CONFIG_NAMESPACE],
        labels: 'app=k8s-sidecar-injector',
        configs: { seen: 1, valid: 1, invalid: 0 },
        lastSuccessfulPush: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      })
      // Every 2 s, changes never closer than the 2 s gap (a little slack for the machine).
      const times = recorder.statuses().map((s) => s.at)
      const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0))
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1900)
      expect(Math.max(...gaps)).toBeLessThan(3500)
      expect(recorder.unauthorized()).toBe(0)
      const metrics = await relay.metrics()
      expect(metrics.value('relay_heartbeats_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(4)
      expect(metrics.value('relay_pod_reports_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1)
    } finally {
      await stack.stop()
      await recorder.stop()
    }
  })

  it('starts the listing over when its continue token expires (410), and counts each pod once', async () => {
    const cluster = 'fleet-expired'
    const tokens = await deriveClusterTokens(SECRET, cluster, crypto.subtle)
    const recorder = await startFleetRecorder({ token: tokens.sync })
    const stack = await startStack(cluster, recorder)
    onTestFailed(() => console.error(stack.relayOutput()))
    try {
      const pods = seededPods(2000)
      stack.fake.seedPods(pods)
      // Slow pages, so the snapshot can be compacted while the relay is between pages.
      const slow = stack.fake.injectFault({
        type: 'delay',
        ms: 300,
        verb: 'list',
        resource: 'pods',
      })
      const relay = await stack.startRelay({ 'report-pods': 'true', 'report-pods-interval': '1m' })
      await until('the second page asked for', () => slow.hits() >= 2)
      const late = {
        namespace: 'team-0',
        name: 'pod-late',
        annotations: { [STAMP]: 'logger:v1@0a1b2c3d' },
      }
      stack.fake.seedPods([late])
      stack.fake.compact()
      await until('a pod report', () => recorder.podReports().length > 0)
      slow.clear()
      const report = recorder.podReports()[0]?.body
      expect(report?.totalPods).toBe(2001)
      expect([...(report?.counts ?? [])].sort(byKey)).toEqual(
        expectedCounts([...pods, late]).sort(byKey),
      )
      const expired = stack.fake
        .requests({ verb: 'list', resource: 'pods' })
        .filter((r) => r.status === 410)
      expect(expired).toHaveLength(1)
      expect(expired[0]?.query.continue ?? '').not.toBe('')
      const logged = await relay.waitForLog((line) => line.msg === 'pods reported')
      expect(logged).toMatchObject({ pods: 2001, restarts: 1, unreadableStamps: 400 })
    } finally {
      await stack.stop()
      await recorder.stop()
    }
  })

  it('keeps pushing when the Worker has no fleet routes (404), and says so once', async () => {
    const cluster = 'fleet-older'
    const tokens = await deriveClusterTokens(SECRET, cluster, crypto.subtle)
    const recorder = await startFleetRecorder({ token: tokens.sync, fleetRoutes: 'absent' })
    const stack = await startStack(cluster, recorder)
    onTestFailed(() => console.error(stack.relayOutput()))
    try {
      const relay = await stack.startRelay({ 'heartbeat-interval': '1s' })
      await until('a push', () => recorder.pushes().length > 0)
      await sleep(4000)
      const metrics = await relay.metrics()
      expect(
        metrics.value('relay_heartbeats_total', { outcome: 'unsupported' }),
      ).toBeGreaterThanOrEqual(3)
      expect(metrics.value('relay_pushes_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1)
      const told = relay.logs().filter((line) => String(line.msg).includes('no heartbeat route'))
      expect(told).toHaveLength(1)
      expect(told[0]?.level).toBe(30)
      expect(relay.logs().filter((line) => line.level === 40)).toEqual([])
      expect(await relay.readiness()).toBe(200)
    } finally {
      await stack.stop()
      await recorder.stop()
    }
  })
})
