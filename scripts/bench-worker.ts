// Worker benchmark (`npm run bench:worker`): the Worker in real workerd with local KV, loaded with
// the example configs, on three hosts (the `wrangler dev` CLI, wrangler's dev server without a
// debugger, Miniflare alone), driven by autocannon in one run: /v1/admit for a pod that gets
// injected, /v1/admit for a pod without the request annotation, and /healthz as the baseline.
// Prints a markdown table per host. Target: injected-pod throughput >= 70% of /healthz.
// BENCH_HOSTS=2,3 runs only those hosts.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { deriveClusterTokens } from '../shared/cluster-token.ts'
import { startDevServerWorker } from '../test/support/dev-server.ts'
import { startMiniflareWorker } from '../test/support/miniflare-worker.ts'
import { startWorker } from '../test/support/worker-process.ts'

const root = resolve(import.meta.dirname, '..')
const SECRET = 'bench-worker-secret-0123456789abcdef0123'
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? '5')
// Routes take turns, round after round, so load from other processes hits them alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3')
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? '10')

/** The part of autocannon's result this script reads (the package ships no types). */
interface CannonResult {
  readonly requests: { readonly average: number; readonly total: number }
  readonly duration: number
  readonly latency: { readonly p50: number; readonly p99: number }
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
}
type Cannon = (options: {
  url: string
  method: string
  headers?: Record<string, string>
  body?: string
  connections: number
  duration: number
}) => Promise<CannonResult>

const autocannon = createRequire(import.meta.url)('autocannon') as Cannon

interface Target {
  readonly name: string
  readonly url: string
  readonly method: 'GET' | 'POST'
  readonly body?: string
}

/** A v1 Pod CREATE review like examples/admission-review.json, asking for `request` when given. */
function review(request: string | undefined): string {
  const example = JSON.parse(readFileSync(join(root, 'examples/admission-review.json'), 'utf8'))
  const annotations = example.request.object.metadata.annotations as Record<string, string>
  for (const key of Object.keys(annotations)) delete annotations[key]
  if (request !== undefined) annotations['injector.tumblr.com/request'] = request
  return JSON.stringify(example)
}

async function load(url: string, scope: string, dir: string): Promise<void> {
  const configs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ text: readFileSync(join(dir, f), 'utf8'), source: { kind: 'File', path: f } }))
  const { sync } = await deriveClusterTokens(SECRET, scope, crypto.subtle)
  const res = await fetch(`${url}/v1/clusters/${scope}/configs`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify({ configs }),
  })
  if (res.status !== 200) throw new Error(`loading ${scope}: ${res.status} ${await res.text()}`)
}

async function drive(target: Target): Promise<CannonResult> {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    ...(target.body === undefined
      ? {}
      : { body: target.body, headers: { 'content-type': 'application/json' } }),
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return result
}

/** Requests per second over all rounds; latency percentiles as the median of the rounds'. */
function summarize(target: Target, results: readonly CannonResult[]) {
  const total = results.reduce((sum, r) => sum + r.requests.total, 0)
  const seconds = results.reduce((sum, r) => sum + r.duration, 0)
  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  return {
    name: target.name,
    rps: total / seconds,
    p50: median(results.map((r) => r.latency.p50)),
    p99: median(results.map((r) => r.latency.p99)),
  }
}

/** Loads the example configs into `worker` and returns its admit URL for cluster `local`. */
async function prepare(url: string, injected: string): Promise<string> {
  await load(url, 'shared', join(root, 'examples/configs/shared'))
  await load(url, 'local', join(root, 'examples/configs'))
  const { admit } = await deriveClusterTokens(SECRET, 'local', crypto.subtle)
  const admitUrl = `${url}/v1/admit/local/${admit}`
  // The answer must be a patch, or the benchmark measures the wrong path.
  const probe = await fetch(admitUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: injected,
  })
  const answer = (await probe.json()) as { response?: { patch?: string } }
  if (answer.response?.patch === undefined) throw new Error('the injected-pod review got no patch')
  return admitUrl
}

interface Host {
  readonly label: string
  readonly url: string
  readonly quietUrl: string
}

/** Drives one host's routes in turns and prints its table with the target's verdicts. */
async function runSuite(host: Host): Promise<void> {
  const injected = review('logger:v1, metrics:v1')
  const admitUrl = await prepare(host.url, injected)
  const quietAdmitUrl = await prepare(host.quietUrl, injected)
  const targets: Target[] = [
    { name: '/healthz', url: `${host.url}/healthz`, method: 'GET' },
    { name: '/v1/admit, injected pod', url: admitUrl, method: 'POST', body: injected },
    { name: '/v1/admit, no annotation', url: admitUrl, method: 'POST', body: review(undefined) },
    {
      name: '/v1/admit, injected pod, INJECTOR_ADMISSION_LOG=none',
      url: quietAdmitUrl,
      method: 'POST',
      body: injected,
    },
  ]
  // Warm the isolates (JIT, token and config caches) before measuring.
  for (const target of targets) await autocannon({ ...target, connections: 2, duration: 1 })
  const rounds = new Map<Target, CannonResult[]>(targets.map((t) => [t, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) rounds.get(target)?.push(await drive(target))
  }
  const results = targets.map((target) => summarize(target, rounds.get(target) ?? []))
  const baseline = results[0]?.rps ?? Number.NaN
  console.log(
    `\n${host.label}: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SECONDS} s per route, local KV; injected pod asks for logger:v1 and metrics:v1\n`,
  )
  console.log('| route | req/s | p50 ms | p99 ms | vs /healthz |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const ratio = (r.rps / baseline) * 100
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${ratio.toFixed(0)}% |`)
  }
  const verdict = (ratio: number) =>
    `${ratio >= 0.7 ? 'met' : 'NOT met'} (${(ratio * 100).toFixed(0)}%)`
  console.log(
    `\nTarget: injected-pod throughput >= 70% of /healthz, default settings: ${verdict((results[1]?.rps ?? 0) / baseline)}; with INJECTOR_ADMISSION_LOG=none: ${verdict((results[3]?.rps ?? 0) / baseline)}`,
  )
}

// Each host runs the Worker twice: as configured (one log line per admission) and with the
// admission log off, which shows what that line costs there. Hosts differ in what a request costs
// before the Worker sees it, and in how a log line leaves workerd:
// - `wrangler dev` (the CLI, as `npm start` runs it) proxies each request through Node and
//   attaches a debugger, so every console.log becomes an inspector event;
// - wrangler's dev server started through its API: the same proxy and runtime, no debugger, so
//   log lines leave as structured logs;
// - Miniflare alone: no dev proxy, no debugger; its entry worker still forwards each request.
interface Started {
  readonly url: string
  stop(): Promise<void>
  logLines?(): number
}
const quietVars = { INJECTOR_ADMISSION_LOG: 'none' }
const hosts: readonly {
  readonly label: string
  readonly start: (vars?: Record<string, string>) => Promise<Started>
}[] = [
  {
    label: 'wrangler dev CLI (debugger attached)',
    start: (vars) => startWorker({ secret: SECRET, ...(vars === undefined ? {} : { vars }) }),
  },
  {
    label: 'wrangler dev server, no debugger (unstable_startWorker)',
    start: (vars) =>
      startDevServerWorker({ secret: SECRET, ...(vars === undefined ? {} : { vars }) }),
  },
  {
    label: 'Miniflare (workerd, no dev proxy)',
    start: (vars) =>
      startMiniflareWorker({ secret: SECRET, ...(vars === undefined ? {} : { vars }) }),
  },
]
const only = process.env.BENCH_HOSTS?.split(',').map(Number)
for (const [index, host] of hosts.entries()) {
  if (only !== undefined && !only.includes(index + 1)) continue
  const worker = await host.start()
  const quiet = await host.start(quietVars)
  try {
    await runSuite({ label: host.label, url: worker.url, quietUrl: quiet.url })
    if (worker.logLines?.() === 0) throw new Error(`${host.label}: the Worker logged nothing`)
  } finally {
    await worker.stop()
    await quiet.stop()
  }
}
