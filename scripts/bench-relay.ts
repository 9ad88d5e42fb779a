// Relay benchmark (`npm run bench:relay`): fake API server -> relay process -> Worker in workerd.
// Measures event-to-served propagation over 100 edits, and initial sync time and memory for
// 1,000 ConfigMaps. Prints a markdown table. The Worker holds its KV calls to Cloudflare's
// limits itself (worker/configs/kv-limits.ts) and logs each refused call: the run fails if it logged any.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { deriveClusterTokens } from '../shared/cluster-token.ts'
import { admit, containerRevision, podReview } from '../test/support/admission-client.ts'
import { readStoredConfigs } from '../test/support/converge.ts'
import { startFleetRecorder } from '../test/support/fleet-recorder.ts'
import type { RelayProcess } from '../test/support/relay-process.ts'
import {
  CONFIG_NAMESPACE,
  RELAY_LABELS,
  type RelayStack,
  type RelayStackOptions,
  startRelayStack,
} from '../test/support/relay-stack.ts'
import { sidecarConfigText } from '../test/support/sidecar-config-text.ts'
import { startWorker, type WorkerProcess } from '../test/support/worker-process.ts'
import { buildRelayBundle, RELAY_NODE_FLAGS } from './relay-bundle.ts'

const EDITS = 100
const EDIT_GAP_MS = 1000
const MB_150 = 150 * 1024 * 1024
const CONFIGMAPS = 1000
const SECRET = 'bench-relay-secret-0123456789abcdef'
// The Worker's warm-isolate cache (default 30 s) would dominate propagation and hide the relay's
// part, so it is off by default here; BENCH_CACHE_TTL_SECONDS=1 shows its effect.
const CACHE_TTL_SECONDS = process.env.BENCH_CACHE_TTL_SECONDS ?? '0'

interface Row {
  readonly measure: string
  readonly result: string
  readonly target: string
  /** Whether the target is met; absent for figures without a target. */
  readonly met?: boolean
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] ?? Number.NaN
}

interface PropagationResult {
  /** Milliseconds, sorted. */
  readonly samples: readonly number[]
  /** Relay RSS once it has synced its one ConfigMap. */
  readonly idleRssBytes: number
}

async function measurePropagation(stack: RelayStack): Promise<PropagationResult> {
  const write = (revision: number) =>
    stack.fake.upsertConfigMap({
      namespace: CONFIG_NAMESPACE,
      name: 'bench',
      labels: RELAY_LABELS,
      data: { 'bench.yaml': sidecarConfigText({ name: 'bench', revision }) },
    })
  const servedRevision = async (): Promise<string | undefined> =>
    containerRevision((await admit(stack.admitTarget, podReview('bench:v1'))).pod, 'bench')
  write(0)
  const relay = await stack.startRelay()
  await waitFor(async () => (await servedRevision()) === '0', 30_000, 'the first config')
  const idleRssBytes = relay.memory().rssBytes
  const samples: number[] = []
  for (let revision = 1; revision <= EDITS; revision++) {
    // Edits a second apart: the relay spaces pushes >= 1.1 s (KV's 1 write/s per key), so
    // back-to-back edits would measure that spacing rather than propagation.
    await sleep(EDIT_GAP_MS)
    const started = performance.now()
    write(revision)
    await waitFor(
      async () => (await servedRevision()) === String(revision),
      30_000,
      `edit ${revision}`,
    )
    samples.push(performance.now() - started)
  }
  await relay.kill('SIGTERM')
  return { samples: samples.sort((a, b) => a - b), idleRssBytes }
}

interface SyncResult {
  readonly ms: number
  readonly rssBytes: number
  readonly peakBytes: number
  /** KV operations the Worker reported for the push that stored every ConfigMap. */
  readonly kvOps: { readonly reads: number; readonly writes: number } | undefined
}

async function measureInitialSync(stack: RelayStack): Promise<SyncResult> {
  for (let i = 0; i < CONFIGMAPS; i++) {
    const name = `bulk-${i}`
    stack.fake.createConfigMap({
      namespace: CONFIG_NAMESPACE,
      name,
      labels: RELAY_LABELS,
      data: { [`${name}.yaml`]: sidecarConfigText({ name, revision: i }) },
    })
  }
  const started = performance.now()
  const relay = await stack.startRelay()
  let peakSeen = 0
  const sample = (): void => {
    peakSeen = Math.max(peakSeen, readRss(relay))
  }
  const sampler = setInterval(sample, 50)
  try {
    await waitFor(
      async () => (await readStoredConfigs(stack.stored)).configs.length === CONFIGMAPS,
      60_000,
      `${CONFIGMAPS} configs in the Worker`,
    )
    const ms = performance.now() - started
    // Let a resync-free relay settle, then read its resident and peak memory.
    await sleep(2000)
    const memory = relay.memory()
    const synced = relay
      .logs()
      .find((line) => line.msg === 'push succeeded' && line.stored === CONFIGMAPS)
    const kvOps = synced?.kvOps as SyncResult['kvOps']
    return {
      ms,
      rssBytes: memory.rssBytes,
      peakBytes: Math.max(memory.peakBytes, peakSeen),
      kvOps,
    }
  } finally {
    clearInterval(sampler)
    await relay.kill('SIGTERM')
  }
}

function readRss(relay: RelayProcess): number {
  try {
    return relay.memory().rssBytes
  } catch {
    return 0
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(10)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** VmRSS of a Node process that loads nothing, with `flags`: the floor any Node program pays. */
async function idleNodeRss(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...flags, '-e', 'setInterval(() => {}, 1000)'])
  try {
    await sleep(1000)
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN)
    return kb * 1024
  } finally {
    child.kill('SIGKILL')
  }
}

// --- Fleet reporting and the relay's own size (heartbeats, --report-pods) -------------------

const MB_80 = 80 * 1024 * 1024
const REPORTED_PODS = 10_000
const STAMP = 'injector.tumblr.com/injected'

/** VmRSS of a relay with one ConfigMap, once it has pushed and settled. */
async function measureIdleRss(stack: RelayStack): Promise<number> {
  stack.fake.upsertConfigMap({
    namespace: CONFIG_NAMESPACE,
    name: 'idle',
    labels: RELAY_LABELS,
    data: { 'idle.yaml': sidecarConfigText({ name: 'idle', revision: 0 }) },
  })
  const relay = await stack.startRelay()
  try {
    await relay.waitForLog((line) => line.msg === 'push succeeded', 30_000)
    // Past start-up (the first heartbeat, the confirmation push 3 s later), as it runs for hours.
    await sleep(6000)
    return relay.memory().rssBytes
  } finally {
    await relay.kill('SIGTERM')
  }
}

interface PodReportResult {
  readonly reportMs: number
  readonly rssBytes: number
  readonly peakBytes: number
  readonly totalPods: number
}

/**
 * A relay with --report-pods over 10,000 pods (a few config@hash stamps over 50 namespaces). A
 * stand-in records the report: the Worker's pods route is not the relay's to measure.
 */
async function measurePodReport(
  relayProgram: NonNullable<RelayStackOptions['relayProgram']>,
): Promise<PodReportResult> {
  const cluster = 'bench-pods'
  const tokens = await deriveClusterTokens(SECRET, cluster, crypto.subtle)
  const recorder = await startFleetRecorder({ token: tokens.sync })
  const stack = await startRelayStack({ worker: recorder, secret: SECRET, cluster, relayProgram })
  try {
    const stamps = [
      'logger:v1@0a1b2c3d',
      'logger:v1@0a1b2c3d,metrics:v2@4e5f6a7b',
      'logger:v1@99999999',
    ]
    stack.fake.seedPods(
      Array.from({ length: REPORTED_PODS }, (_, i) => ({
        namespace: `team-${i % 50}`,
        name: `pod-${i}`,
        annotations: { [STAMP]: stamps[i % stamps.length] ?? '' },
      })),
    )
    const relay = await stack.startRelay({ 'report-pods': 'true', 'report-pods-interval': '5s' })
    let peakSeen = 0
    const sampler = setInterval(() => {
      peakSeen = Math.max(peakSeen, readRss(relay))
    }, 20)
    try {
      await waitFor(async () => recorder.podReports().length >= 3, 120_000, 'three pod reports')
      const line = await relay.waitForLog((l) => l.msg === 'pods reported', 1000)
      const memory = relay.memory()
      return {
        reportMs: Number(line.durationMs),
        rssBytes: Math.max(peakSeen, memory.rssBytes),
        peakBytes: Math.max(memory.peakBytes, peakSeen),
        totalPods: recorder.podReports().at(-1)?.body.totalPods ?? 0,
      }
    } finally {
      clearInterval(sampler)
      await relay.kill('SIGTERM')
    }
  } finally {
    await stack.stop()
    await recorder.stop()
  }
}

function fleetRows(idleRss: number, idleNode: number, pods: PodReportResult): Row[] {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return [
    {
      measure: 'relay idle RSS with 1 ConfigMap, settled (VmRSS)',
      result: `${mb(idleRss)} (idle Node ${mb(idleNode)}, +${mb(idleRss - idleNode)})`,
      target: '<= 80 MB',
      met: idleRss <= MB_80,
    },
    {
      measure: `pod report of ${REPORTED_PODS.toLocaleString('en')} pods (listing + counting)`,
      result: `${Math.round(pods.reportMs)} ms, ${pods.totalPods} pods counted`,
      target: `${REPORTED_PODS} pods`,
      met: pods.totalPods === REPORTED_PODS,
    },
    {
      measure: `relay RSS while reporting ${REPORTED_PODS.toLocaleString('en')} pods (max VmRSS sampled)`,
      result: mb(pods.rssBytes),
      target: '< 150 MB',
      met: pods.rssBytes < MB_150,
    },
    {
      measure: `relay peak RSS, reporting ${REPORTED_PODS.toLocaleString('en')} pods (VmHWM)`,
      result: mb(pods.peakBytes),
      target: '< 150 MB',
      met: pods.peakBytes < MB_150,
    },
  ]
}

// --- end of fleet reporting measures ---------------------------------------------------------

async function main(): Promise<void> {
  // Measure what the image runs: the bundle, with the image's Node flags.
  const bundleDir = mkdtempSync(join(tmpdir(), 'bench-relay-'))
  const relayProgram = {
    entry: await buildRelayBundle(join(bundleDir, 'relay.mjs')),
    nodeArgs: RELAY_NODE_FLAGS,
  }
  const worker: WorkerProcess = await startWorker({
    secret: SECRET,
    vars: { INJECTOR_CACHE_TTL_SECONDS: CACHE_TTL_SECONDS },
  })
  const stacks: RelayStack[] = []
  try {
    const propagationStack = await startRelayStack({
      worker,
      secret: SECRET,
      cluster: 'bench-edits',
      relayProgram,
    })
    stacks.push(propagationStack)
    const { samples, idleRssBytes } = await measurePropagation(propagationStack)
    const syncStack = await startRelayStack({
      worker,
      secret: SECRET,
      cluster: 'bench-sync',
      relayProgram,
    })
    stacks.push(syncStack)
    const sync = await measureInitialSync(syncStack)
    // Baselines in the same run: the same relay from its sources without flags
    // (`node relay/main.ts`), and an idle Node process.
    const sourcesStack = await startRelayStack({ worker, secret: SECRET, cluster: 'bench-src' })
    stacks.push(sourcesStack)
    const sourcesSync = await measureInitialSync(sourcesStack)
    const idleNode = await idleNodeRss(RELAY_NODE_FLAGS)
    const violations = worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"event":"kv_limit_exceeded"'))
    const idleStack = await startRelayStack({
      worker,
      secret: SECRET,
      cluster: 'bench-idle',
      relayProgram,
    })
    stacks.push(idleStack)
    const idleRss = await measureIdleRss(idleStack)
    const podReport = await measurePodReport(relayProgram)
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
    const ms = (value: number) => `${Math.round(value)} ms`
    const rows: Row[] = [
      {
        measure: `event-to-served p50 (${EDITS} edits, ${EDIT_GAP_MS / 1000} s apart)`,
        result: ms(percentile(samples, 50)),
        target: '',
      },
      {
        measure: `event-to-served p99 (${EDITS} edits, ${EDIT_GAP_MS / 1000} s apart)`,
        result: ms(percentile(samples, 99)),
        target: '< 1 s',
        met: percentile(samples, 99) < 1000,
      },
      { measure: 'relay RSS with 1 ConfigMap (VmRSS)', result: mb(idleRssBytes), target: '' },
      {
        measure: `initial sync, ${CONFIGMAPS} ConfigMaps`,
        result: ms(sync.ms),
        target: '< 10 s',
        met: sync.ms < 10_000,
      },
      {
        measure: `relay RSS after syncing ${CONFIGMAPS} (VmRSS)`,
        result: mb(sync.rssBytes),
        target: '< 150 MB',
        met: sync.rssBytes < MB_150,
      },
      {
        measure: `relay peak RSS, ${CONFIGMAPS} ConfigMaps (VmHWM)`,
        result: mb(sync.peakBytes),
        target: '< 150 MB',
        met: sync.peakBytes < MB_150,
      },
      {
        measure: `Worker KV operations for the push of ${CONFIGMAPS} configs`,
        result:
          sync.kvOps === undefined
            ? 'not reported'
            : `${sync.kvOps.reads} read, ${sync.kvOps.writes} write`,
        target: '<= 1 read, <= 1 write',
        met: sync.kvOps !== undefined && sync.kvOps.reads <= 1 && sync.kvOps.writes <= 1,
      },
      {
        measure: 'KV limit violations in the Worker log (1,000 ops, 512 B keys, 25 MiB, 1 write/s)',
        result: String(violations.length),
        target: '0',
        met: violations.length === 0,
      },
      {
        measure: `baseline: relay from sources, no flags, RSS after syncing ${CONFIGMAPS}`,
        result: `${mb(sourcesSync.rssBytes)} (bundle/sources ${(sync.rssBytes / sourcesSync.rssBytes).toFixed(2)})`,
        target: '',
      },
      {
        measure: `baseline: idle Node process, ${RELAY_NODE_FLAGS.join(' ')}`,
        result: `${mb(idleNode)} (relay/idle ${(sync.rssBytes / idleNode).toFixed(2)})`,
        target: '',
      },
    ]
    rows.push(...fleetRows(idleRss, idleNode, podReport))
    console.log(
      'Relay benchmark: local fake API server, relay process, Worker in workerd (wrangler dev); ' +
        `the bundled relay as the image runs it (node ${RELAY_NODE_FLAGS.join(' ')} relay.mjs), ` +
        `relay defaults (debounce 250 ms); INJECTOR_CACHE_TTL_SECONDS=${CACHE_TTL_SECONDS}\n`,
    )
    console.log('| Measure | Result | Target | Met |')
    console.log('| --- | --- | --- | --- |')
    for (const row of rows) {
      const met = row.met === undefined ? '' : row.met ? 'yes' : 'no'
      console.log(`| ${row.measure} | ${row.result} | ${row.target} | ${met} |`)
    }
    if (violations.length > 0) {
      throw new Error(
        `the Worker refused ${violations.length} KV calls that Cloudflare would refuse:\n${violations.join('\n')}`,
      )
    }
  } finally {
    for (const stack of stacks) await stack.stop()
    await worker.stop()
    rmSync(bundleDir, { recursive: true, force: true })
  }
}

await main()
