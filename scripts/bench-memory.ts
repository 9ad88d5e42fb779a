// Worker memory benchmark (`npm run bench:memory`): the Worker in workerd (Miniflare), fed a
// sequence of hostile pushes and admissions: YAML alias bombs at the per-config limit, configs of
// the maximum size filling two scopes to the scope limit, pushes of 5,000 configs, and many
// clusters. Reads the workerd process's VmRSS before, during and after each phase, and the
// Worker isolate's V8 heap through the inspector (Cloudflare's 128 MB applies to the isolate),
// against the idle Worker of the same run. Prints a markdown table. Linux only (/proc).
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { deriveClusterTokens } from '../shared/cluster-token.ts'
import type { IngestResponse } from '../shared/ingest-api.ts'
import { podReview } from '../test/support/admission-client.ts'
import { freePort } from '../test/support/free-port.ts'
import { startMiniflareWorker } from '../test/support/miniflare-worker.ts'
import { readProcessMemory } from '../test/support/relay-process.ts'

const SECRET = 'bench-memory-secret-0123456789abcdef0123'
const MB = 1024 * 1024
// The scope limit under test (INJECTOR_SCOPE_MAX_BYTES; BENCH_SCOPE_MAX_BYTES to try another).
// Pushes may carry up to 24 MiB here, so that scopes can be filled to it; every other limit is
// the default. Admissions are not logged, so the figures are the Worker's, not the log pipe's.
const SCOPE_MAX_BYTES = Number(process.env.BENCH_SCOPE_MAX_BYTES ?? String(8 * MB))
const VARS = {
  INJECTOR_INGEST_MAX_BYTES: String(24 * MB),
  INJECTOR_SCOPE_MAX_BYTES: String(SCOPE_MAX_BYTES),
  INJECTOR_ADMISSION_LOG: 'none',
}
// Each V8 heap of workerd is capped as Cloudflare caps an isolate (128 MB): the Worker collects
// garbage as it would there, and fails where it would fail there. BENCH_HEAP_MB=0 lifts the cap.
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? '128')
if (HEAP_MB > 0) process.env.MINIFLARE_WORKERD_V8_FLAGS = `--max-heap-size=${HEAP_MB}`

interface Heap {
  readonly usedSize: number
  readonly totalSize: number
  readonly backingStorageSize: number
}

/** The Worker isolate's V8 heap, through the inspector's `Runtime.getHeapUsage`. */
async function openInspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    id: string
    webSocketDebuggerUrl: string
  }[]
  const target = targets.find((t) => t.id === 'core:user:')
  if (target === undefined) throw new Error('no inspector target for the Worker')
  const socket = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true })
    socket.addEventListener('error', reject, { once: true })
  })
  let next = 0
  const waiting = new Map<number, (result: unknown) => void>()
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
    if (message.id !== undefined) waiting.get(message.id)?.(message.result)
  })
  // A runtime that crashed answers nothing: every call then gives undefined.
  socket.addEventListener('close', () => {
    for (const resolve of waiting.values()) resolve(undefined)
    waiting.clear()
  })
  // An answer that does not come within 10 s is given up (undefined), so a sample never hangs.
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve) => {
      if (socket.readyState !== WebSocket.OPEN) return resolve(undefined)
      const id = ++next
      const timer = setTimeout(() => {
        waiting.delete(id)
        resolve(undefined)
      }, 10_000)
      waiting.set(id, (result) => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve(result)
      })
      socket.send(JSON.stringify({ id, method }))
    })
  return {
    heap: async () => (await call('Runtime.getHeapUsage')) as Heap | undefined,
    // workerd answers a GC request once the isolate next runs: give it a request to serve.
    collectGarbage: async (nudge: () => Promise<unknown>) => {
      const collected = call('HeapProfiler.collectGarbage')
      await nudge()
      await collected
    },
    close: () => socket.close(),
  }
}

/** The workerd process Miniflare started: this process's child named workerd. */
function workerdPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [, comm = '', rest = ''] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? []
      const ppid = Number(rest.split(' ')[1])
      if (comm === 'workerd' && ppid === process.pid) return Number(entry)
    } catch {}
  }
  throw new Error('workerd process not found')
}

// Config texts. Names are distinct per phase so each phase writes its own values.
const env = (name: string, value: string) =>
  `  - name: ${name}\n    image: busybox:1.36\n    env: [{name: MARK, value: "${value}"}]\n`

/** A valid config of about 3 KB of YAML whose aliases expand to about 123 KiB of JSON. */
function aliasBomb(name: string): string {
  const lines = [
    `name: ${name}:v1`,
    'containers:',
    `  - name: ${name}`,
    '    image: busybox',
    '    env:',
  ]
  lines.push(`      - {name: E0, value: &s "${'b'.repeat(1000)}"}`)
  for (let i = 1; i < 120; i++) lines.push(`      - {name: E${i}, value: *s}`)
  return lines.join('\n')
}

/** About 1 KB of YAML whose nested aliases would expand to about 14 MB: refused while reading. */
function aliasBombOver(name: string): string {
  const lines = [`name: ${name}:v1`, `x0: &a0 ["${'b'.repeat(100)}"]`]
  for (let i = 1; i <= 8; i++)
    lines.push(`x${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`)
  lines.push('containers: [{name: over, image: busybox, args: *a8}]')
  return lines.join('\n')
}

/** A config of about `bytes` of JSON: one container with a large env value. */
function sized(name: string, bytes: number): string {
  return `name: ${name}:v1\ncontainers:\n${env(name, 'p'.repeat(bytes - 200))}`
}

function small(name: string, mark: string): string {
  return `name: ${name}:v1\ncontainers:\n${env(name, mark)}`
}

interface Client {
  push(cluster: string, texts: readonly string[]): Promise<{ status: number; body: string }>
  admit(cluster: string, request: string): Promise<string>
}

function client(url: string): Client {
  const tokens = new Map<string, Promise<{ admit: string; sync: string }>>()
  const tokenOf = (cluster: string) => {
    let known = tokens.get(cluster)
    if (known === undefined) {
      known = deriveClusterTokens(SECRET, cluster, crypto.subtle)
      tokens.set(cluster, known)
    }
    return known
  }
  return {
    async push(cluster, texts) {
      const { sync } = await tokenOf(cluster)
      const configs = texts.map((text, i) => ({
        text,
        source: { kind: 'File', path: `${i}.yaml` },
      }))
      try {
        const res = await fetch(`${url}/v1/clusters/${cluster}/configs`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
          body: JSON.stringify({ configs }),
        })
        return { status: res.status, body: await res.text() }
      } catch (error) {
        return { status: 0, body: JSON.stringify({ error: String(error) }) }
      }
    },
    // The outcome as a label: injected, or the start of the warning.
    async admit(cluster, request) {
      const { admit } = await tokenOf(cluster)
      let body: { response?: { patch?: string; warnings?: string[] } }
      try {
        const res = await fetch(`${url}/v1/admit/${cluster}/${admit}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(podReview(request)),
        })
        body = (await res.json()) as typeof body
      } catch (error) {
        return `failed (${String(error).slice(0, 60)})`
      }
      if (body.response === undefined) return `failed (${JSON.stringify(body).slice(0, 60)})`
      if (body.response.patch !== undefined) return 'injected'
      const warning = body.response.warnings?.[0] ?? 'no warning'
      const shape = warning.replace(/"[^"]*"(, "[^"]*")*/g, '"…"').replace(/\(.*?\)|\d+/g, 'N')
      return `skipped (${shape.slice(0, 70)})`
    },
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  })
  await Promise.all(lanes)
}

/** Counts labels: `3 injected, 2 skipped (...)`. */
function tally(labels: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1)
  return [...counts].map(([label, n]) => `${n} ${label}`).join('; ')
}

function pushLabel(res: { status: number; body: string }): string {
  if (res.status !== 200) {
    const error = (JSON.parse(res.body) as { error?: string }).error ?? ''
    return `${res.status} (${error.replace(/\d{4,}/g, 'N').slice(0, 70)})`
  }
  const body = JSON.parse(res.body) as IngestResponse
  const rejected = body.results.filter((r) => r.status === 'rejected').length
  return `200: ${body.stored.length} stored, ${rejected} rejected, KV ${body.kvOps.reads}r/${body.kvOps.writes}w`
}

interface Row {
  readonly phase: string
  readonly rssAfter: number
  readonly rssPeak: number
  readonly heapAfterGc: number
  readonly heapPeak: number
  readonly outcome: string
}

async function main(): Promise<void> {
  const inspectorPort = await freePort()
  const worker = await startMiniflareWorker({ secret: SECRET, vars: VARS, inspectorPort })
  // The inspector answers once the Worker has served a request.
  await fetch(`${worker.url}/healthz`)
  const inspector = await openInspector(inspectorPort)
  const pid = workerdPid()
  const api = client(worker.url)
  const rows: Row[] = []
  let peakOfRun = 0

  // A workerd that died (an isolate out of memory ends the process) reads as zero.
  let crashed = false
  const memory = () => {
    try {
      return readProcessMemory(pid)
    } catch {
      crashed = true
      return { rssBytes: 0, peakBytes: 0 }
    }
  }
  const heapSize = (heap: Heap | undefined) =>
    heap === undefined ? 0 : heap.totalSize + heap.backingStorageSize

  /** Runs one phase while sampling RSS and heap, then measures after a GC. */
  const phase = async (name: string, work: () => Promise<string>): Promise<void> => {
    let rssPeak = memory().rssBytes
    let heapPeak = 0
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        rssPeak = Math.max(rssPeak, memory().rssBytes)
        heapPeak = Math.max(heapPeak, heapSize(await inspector.heap()))
        await sleep(50)
      }
    })()
    let outcome: string
    try {
      outcome = await work()
    } finally {
      sampling = false
      await sampler
    }
    // Twice: the first collection may still see the last requests' objects.
    for (let i = 0; i < 2; i++) {
      await inspector.collectGarbage(() => fetch(`${worker.url}/healthz`).catch(() => {}))
    }
    const heap = await inspector.heap()
    const { rssBytes } = memory()
    if (crashed) outcome = `workerd crashed; ${outcome}`
    rows.push({
      phase: name,
      rssAfter: rssBytes,
      rssPeak: Math.max(rssPeak, rssBytes),
      heapAfterGc: heap?.usedSize ?? 0,
      heapPeak: Math.max(heapPeak, heapSize(heap)),
      outcome,
    })
    console.error(`${name}: ${outcome}`)
  }

  try {
    await phase('idle Worker (baseline)', async () => {
      for (let i = 0; i < 20; i++) await fetch(`${worker.url}/healthz`)
      await sleep(1000)
      return '20 GET /healthz'
    })

    await phase(
      'alias bombs: 50 configs of 3 KB expanding to 123 KiB and 50 of 1 KB that would expand to 14 MB; 1,000 of 3 KB; 200 admissions asking for 16',
      async () => {
        const accepted = Array.from({ length: 50 }, (_, i) => aliasBomb(`bomb${i}`))
        const refused = Array.from({ length: 50 }, (_, i) => aliasBombOver(`over${i}`))
        const pushed = await api.push('bombs', [...accepted, ...refused])
        // 1,000 of them would expand to 123 MB: reading stops at the scope limit.
        const wide = Array.from({ length: 1000 }, (_, i) => aliasBomb(`wide${i}`))
        const amplified = await api.push('bombs-wide', wide)
        const labels: string[] = []
        const requests = Array.from({ length: 200 }, (_, i) =>
          Array.from({ length: 16 }, (_, j) => `bomb${(i + j * 3) % 50}:v1`).join(','),
        )
        await pool(requests, 8, async (request) => {
          labels.push(await api.admit('bombs', request))
        })
        return `pushes: ${pushLabel(pushed)}; 1,000 bombs (3 MB of text): ${pushLabel(amplified)}; admissions: ${tally(labels)}`
      },
    )

    // Configs of 128 KiB, as many as fit in a scope, and 10% more for a push that does not.
    const perScope = Math.floor((SCOPE_MAX_BYTES * 0.97) / 131_000)
    await phase(
      `max-size configs: cluster and shared scopes filled to ${SCOPE_MAX_BYTES / MB} MiB with ${perScope} configs of 128 KiB; a push past the limit; 200 admissions asking for 2 to 16`,
      async () => {
        const full = (prefix: string, n: number) =>
          Array.from({ length: n }, (_, i) => sized(`${prefix}${i}`, 131_000))
        const cluster = await api.push('maxed', full('own', perScope))
        const shared = await api.push('shared', full('fleet', perScope))
        const over = await api.push('maxed-over', full('over', Math.ceil(perScope * 1.1)))
        const labels: string[] = []
        const requests = Array.from({ length: 200 }, (_, i) => {
          const n = 2 + (i % 15)
          return Array.from({ length: n }, (_, j) =>
            j % 2 === 0 ? `own${(i + j) % perScope}:v1` : `fleet${(i * 7 + j) % perScope}:v1`,
          ).join(',')
        })
        await pool(requests, 8, async (request) => {
          labels.push(await api.admit('maxed', request))
        })
        return `pushes: ${pushLabel(cluster)}; shared ${pushLabel(shared)}; ${pushLabel(over)}; admissions: ${tally(labels)}`
      },
    )

    await phase(
      '5,000-config pushes: 4 clusters of 5,000, each pushed again with one change; 400 admissions',
      async () => {
        const results: string[] = []
        const clusters = ['big-a', 'big-b', 'big-c', 'big-d']
        for (const cluster of clusters) {
          const texts = Array.from({ length: 5000 }, (_, i) => small(`app${i}`, `${cluster}-${i}`))
          results.push(pushLabel(await api.push(cluster, texts)))
          await sleep(1100)
          texts[42] = small('app42', 'changed')
          results.push(pushLabel(await api.push(cluster, texts)))
        }
        const labels: string[] = []
        const requests = Array.from({ length: 400 }, (_, i) => i)
        await pool(requests, 8, async (i) => {
          const cluster = clusters[i % 4] ?? 'big-a'
          labels.push(await api.admit(cluster, `app${(i * 37) % 5000}:v1,fleet${i % perScope}:v1`))
        })
        return `pushes: ${tally(results)}; admissions: ${tally(labels)}`
      },
    )

    await phase(
      'many clusters: 500 clusters of 20 configs; 2,000 admissions rotating over them',
      async () => {
        const clusters = Array.from({ length: 500 }, (_, i) => `edge-${i}`)
        const results: string[] = []
        await pool(clusters, 8, async (cluster) => {
          const texts = Array.from({ length: 20 }, (_, i) => small(`svc${i}`, cluster))
          results.push(pushLabel(await api.push(cluster, texts)))
        })
        const labels: string[] = []
        const requests = Array.from({ length: 2000 }, (_, i) => i)
        await pool(requests, 8, async (i) => {
          labels.push(await api.admit(clusters[i % 500] ?? 'edge-0', `svc${i % 20}:v1`))
        })
        return `pushes: ${tally(results)}; admissions: ${tally(labels)}`
      },
    )

    await phase('after: 10 s idle', async () => {
      await sleep(10_000)
      return 'no requests'
    })
  } finally {
    peakOfRun = memory().peakBytes
    inspector.close()
    await worker.stop()
  }

  const [idle] = rows
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`
  const delta = (bytes: number, base: number) =>
    `${mb(bytes)} (${bytes >= base ? '+' : ''}${((bytes - base) / MB).toFixed(1)})`
  console.log(
    'Worker memory benchmark: the Worker in workerd (Miniflare, local KV in the same process), ' +
      `INJECTOR_SCOPE_MAX_BYTES ${SCOPE_MAX_BYTES / MB} MiB, INJECTOR_INGEST_MAX_BYTES 24 MiB, ` +
      'default INJECTOR_CONFIG_MAX_BYTES (128 KiB) and INJECTOR_CACHE_MAX_BYTES (32 MiB), 8 requests at a time. ' +
      'RSS is the workerd process (it also holds local KV); heap is the Worker isolate (V8 ' +
      'used after a forced GC; peak = heap total + array buffers, sampled every 50 ms). ' +
      `In brackets: the change from the idle Worker. V8 heaps capped at ${HEAP_MB > 0 ? `${HEAP_MB} MB` : 'nothing'} (BENCH_HEAP_MB).\n`,
  )
  console.log(
    '| phase | workerd RSS after | RSS peak | isolate heap used after GC | isolate heap peak | outcome |',
  )
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const row of rows) {
    const base = idle ?? row
    console.log(
      `| ${row.phase} | ${delta(row.rssAfter, base.rssAfter)} | ${delta(row.rssPeak, base.rssAfter)} | ${delta(row.heapAfterGc, base.heapAfterGc)} | ${mb(row.heapPeak)} | ${row.outcome} |`,
    )
  }
  console.log(`\nworkerd VmHWM over the run: ${mb(peakOfRun)} (idle ${mb(idle?.rssAfter ?? 0)})`)
}

await main()
