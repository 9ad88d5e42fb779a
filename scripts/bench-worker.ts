// Worker benchmark (`npm run bench:worker`): the Worker in real workerd with local KV, loaded with
// the example configs, on three hosts (the `wrangler dev` CLI, wrangler's dev server without a
// debugger, Miniflare alone), driven by autocannon in one run: /v1/admit for a pod that gets
// injected, /v1/admit for a pod without the request annotation, and /healthz as the baseline.
// Prints a markdown table per host. Target: injected-pod throughput >= 70% of /healthz.
// BENCH_HOSTS=2,3 runs only those hosts; `-- --against <git ref>` compares the working tree's
// Worker with the one at that ref on Miniflare instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { deriveClusterTokens } from '../shared/cluster-token.ts'
import { startDevServerWorker } from '../test/support/dev-server.ts'
import type { LocalWorker } from '../test/support/local-worker.ts'
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

type Route = 'healthz' | 'injected' | 'no-annotation'
const ROUTE_NAMES: Record<Route, string> = {
  healthz: '/healthz',
  injected: '/v1/admit, injected pod',
  'no-annotation': '/v1/admit, no annotation',
}

/** One running Worker the suite drives, and which of its routes. */
interface Instance {
  /** Appended to the route names in the table, e.g. `INJECTOR_ADMISSION_LOG=none`. */
  readonly label: string
  readonly url: string
  /** `all`: /healthz, the injected pod and the pod without annotation; `injected`: only that. */
  readonly routes: 'all' | 'injected'
}

/**
 * Drives the instances' routes in turns, round after round, and prints one table. Each row's
 * ratio is against its own instance's /healthz, or the first instance's when it has none.
 * Returns the ratio of each instance's injected pod.
 */
async function runSuite(title: string, instances: readonly Instance[]): Promise<number[]> {
  const injected = review('logger:v1, metrics:v1')
  const targets: (Target & { readonly instance: number; readonly route: Route })[] = []
  for (const [index, instance] of instances.entries()) {
    const admitUrl = await prepare(instance.url, injected)
    const suffix = instance.label === '' ? '' : `, ${instance.label}`
    const add = (route: Route, target: Omit<Target, 'name'>) =>
      targets.push({ name: `${ROUTE_NAMES[route]}${suffix}`, instance: index, route, ...target })
    if (instance.routes === 'all') add('healthz', { url: `${instance.url}/healthz`, method: 'GET' })
    add('injected', { url: admitUrl, method: 'POST', body: injected })
    if (instance.routes === 'all') {
      add('no-annotation', { url: admitUrl, method: 'POST', body: review(undefined) })
    }
  }
  // Warm the isolates (JIT, token and config caches) before measuring.
  for (const target of targets) await autocannon({ ...target, connections: 2, duration: 1 })
  const rounds = new Map<Target, CannonResult[]>(targets.map((t) => [t, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) rounds.get(target)?.push(await drive(target))
  }
  const results = targets.map((target) => ({
    ...summarize(target, rounds.get(target) ?? []),
    instance: target.instance,
    route: target.route,
  }))
  const healthzOf = (instance: number) =>
    (
      results.find((r) => r.route === 'healthz' && r.instance === instance) ??
      results.find((r) => r.route === 'healthz')
    )?.rps ?? Number.NaN
  console.log(
    `\n${title}: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_SECONDS} s per route, local KV; injected pod asks for logger:v1 and metrics:v1\n`,
  )
  console.log('| route | req/s | µs/req | p50 ms | p99 ms | vs /healthz |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    const ratio = (r.rps / healthzOf(r.instance)) * 100
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${(1e6 / r.rps).toFixed(0)} | ${r.p50} | ${r.p99} | ${ratio.toFixed(0)}% |`,
    )
  }
  return results.filter((r) => r.route === 'injected').map((r) => r.rps / healthzOf(r.instance))
}

const verdict = (ratio: number | undefined) =>
  `${(ratio ?? 0) >= 0.7 ? 'met' : 'NOT met'} (${((ratio ?? 0) * 100).toFixed(0)}%)`

// Each host runs the Worker twice: as configured (one log line per admission) and with the
// admission log off, which shows what that line costs there. Hosts differ in what a request costs
// before the Worker sees it, and in how a log line leaves workerd:
// - `wrangler dev` (the CLI, as `npm start` runs it) proxies each request through Node and
//   attaches a debugger, so every console.log becomes an inspector event;
// - wrangler's dev server started through its API: the same proxy and runtime, no debugger, so
//   log lines leave as structured logs;
// - Miniflare alone: no dev proxy, no debugger; its entry worker still forwards each request.
const quietVars = { INJECTOR_ADMISSION_LOG: 'none' }
const hosts: readonly {
  readonly label: string
  // The CLI runs at --log-level warn, which prints no console.log line, so it counts none.
  readonly start: (
    vars: Readonly<Record<string, string>>,
  ) => Promise<Pick<LocalWorker, 'url' | 'stop'> & Partial<LocalWorker>>
}[] = [
  {
    label: 'wrangler dev CLI (debugger attached)',
    start: (vars) => startWorker({ secret: SECRET, vars }),
  },
  {
    label: 'wrangler dev server, no debugger (unstable_startWorker)',
    start: (vars) => startDevServerWorker({ secret: SECRET, vars }),
  },
  {
    label: 'Miniflare (workerd, no dev proxy)',
    start: (vars) => startMiniflareWorker({ secret: SECRET, vars }),
  },
]
const against = process.argv.indexOf('--against')
if (against >= 0) {
  await compareWith(process.argv[against + 1] ?? 'HEAD')
} else {
  const only = process.env.BENCH_HOSTS?.split(',').map(Number)
  for (const [index, host] of hosts.entries()) {
    if (only !== undefined && !only.includes(index + 1)) continue
    const worker = await host.start({})
    const quiet = await host.start(quietVars)
    try {
      const [standard, logless] = await runSuite(host.label, [
        { label: '', url: worker.url, routes: 'all' },
        { label: 'INJECTOR_ADMISSION_LOG=none', url: quiet.url, routes: 'injected' },
      ])
      console.log(
        `\nTarget: injected-pod throughput >= 70% of /healthz, default settings: ${verdict(standard)}; with INJECTOR_ADMISSION_LOG=none: ${verdict(logless)}`,
      )
      if (worker.logLines?.() === 0) throw new Error(`${host.label}: the Worker logged nothing`)
    } finally {
      await worker.stop()
      await quiet.stop()
    }
  }
}

/**
 * `--against <git ref>`: the working tree's Worker and the one at `ref`, both on Miniflare,
 * routes taking turns, so a change's effect shows apart from the machine's drift.
 */
async function compareWith(ref: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-worker-ref-'))
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: root, stdio: 'ignore' })
  const current = await startMiniflareWorker({ secret: SECRET })
  try {
    const base = await startMiniflareWorker({ secret: SECRET, root: dir })
    try {
      await runSuite(`Miniflare, working tree against ${ref}`, [
        { label: 'working tree', url: current.url, routes: 'all' },
        { label: ref, url: base.url, routes: 'all' },
      ])
    } finally {
      await base.stop()
    }
  } finally {
    await current.stop()
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' })
  }
}
