// `npm start`: the Worker in local workerd (wrangler dev) with persisted local KV and Durable
// Objects (each scope's history, the fleet registry), loaded with the example configs, a
// ready-to-paste admission request for cluster `local`, and the fleet token with the `status`
// command that uses it.
//
// Flags (each also from an environment variable):
//   --port <n>          INJECTOR_DEV_PORT     default 8787
//   --persist-to <dir>  INJECTOR_DEV_PERSIST  default .wrangler/state (local KV and the scopes'
//                                             histories survive restarts)
//   --vars-file <file>  INJECTOR_DEV_VARS     default .dev.vars (created with a random secret)
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, relative, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { deriveClusterTokens, deriveFleetToken } from '../shared/cluster-token.ts'
import type { IngestRequest, IngestResponse } from '../shared/ingest-api.ts'

const root = resolve(import.meta.dirname, '..')
const LOCAL_CLUSTER = 'local'
const SHARED_SCOPE = 'shared'

/** Reads flags, falling back to environment variables and defaults. */
function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'persist-to': { type: 'string' },
      'vars-file': { type: 'string' },
    },
  })
  const port = Number(values.port ?? process.env.INJECTOR_DEV_PORT ?? '8787')
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port: "${values.port ?? process.env.INJECTOR_DEV_PORT}" is not a TCP port`)
  }
  return {
    port,
    persistTo: resolve(
      values['persist-to'] ?? process.env.INJECTOR_DEV_PERSIST ?? join(root, '.wrangler/state'),
    ),
    varsFile: resolve(
      values['vars-file'] ?? process.env.INJECTOR_DEV_VARS ?? join(root, '.dev.vars'),
    ),
  }
}

/** Returns INJECTOR_SECRET from the vars file, creating the file (or the line) with a random one. */
function ensureSecret(varsFile: string): string {
  const text = existsSync(varsFile) ? readFileSync(varsFile, 'utf8') : ''
  const line = text.split('\n').find((l) => /^\s*INJECTOR_SECRET\s*=/.test(l))
  if (line !== undefined) {
    const secret = line
      .slice(line.indexOf('=') + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2')
    if (secret.length >= 32) return secret
    throw new Error(`${varsFile}: INJECTOR_SECRET must be at least 32 characters`)
  }
  const secret = randomBytes(32).toString('base64url')
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`
  writeFileSync(varsFile, `${prefix}INJECTOR_SECRET=${secret}\n`, { mode: 0o600 })
  console.log(`Wrote a random INJECTOR_SECRET to ${relative(process.cwd(), varsFile) || varsFile}.`)
  return secret
}

/** A free TCP port for wrangler's inspector, so several local Workers can run side by side. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? done(address.port)
          : fail(new Error('no port')),
      )
    })
  })
}

async function startWrangler(options: ReturnType<typeof readOptions>): Promise<ChildProcess> {
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(options.port)]
  args.push('--persist-to', options.persistTo, '--env-file', options.varsFile)
  args.push('--inspector-port', String(await freePort()), '--show-interactive-dev-session=false')
  // Own process group: stopping it stops workerd too; signals are forwarded below.
  return spawn(join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  })
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      if (res.ok) return
    } catch {}
    await sleep(250)
  }
  throw new Error(`wrangler dev did not answer ${url}/healthz within 90 s`)
}

/** Pushes every `*.yaml` of `dir` as the full set of `scope`, through the real ingest API. */
async function pushExamples(
  url: string,
  secret: string,
  scope: string,
  dir: string,
): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
  const body: IngestRequest = {
    configs: files.map((file) => ({
      text: readFileSync(join(dir, file), 'utf8'),
      source: { kind: 'File', path: relative(root, join(dir, file)) },
    })),
  }
  const { sync } = await deriveClusterTokens(secret, scope, crypto.subtle)
  // The scope's object records the push and publishes it (or, within KV's second of its last
  // write, a moment later by alarm): no answer to wait out.
  const res = await fetch(`${url}/v1/clusters/${scope}/configs`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (res.status !== 200) {
    throw new Error(`loading ${scope} answered ${res.status}: ${await res.text()}`)
  }
  const result = (await res.json()) as IngestResponse
  for (const r of result.results) {
    if (r.status === 'rejected') {
      const issues = r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
      console.warn(`  ${files[r.index]} was rejected: ${issues}`)
    }
  }
  return [...result.stored]
}

function printUsage(
  url: string,
  tokens: { readonly admit: string; readonly fleet: string },
  loaded: Record<string, string[]>,
): void {
  const admitToken = tokens.admit
  const admitUrl = `${url}/v1/admit/${LOCAL_CLUSTER}/${admitToken}`
  const review = relative(process.cwd(), join(root, 'examples/admission-review.json'))
  // Plain node, no jq needed: print the response with its base64 patch decoded.
  const decode =
    'node -e \'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const r=JSON.parse(s).response;' +
    'console.log(JSON.stringify({...r,patch:r.patch&&JSON.parse(Buffer.from(r.patch,"base64").toString())},null,2))})\''
  console.log('')
  console.log(`Sidecar injector Worker on ${url}`)
  for (const [scope, refs] of Object.entries(loaded)) {
    console.log(`  scope ${scope}: ${refs.length === 0 ? '(none)' : refs.join(', ')}`)
  }
  console.log('')
  console.log(`Admit URL of cluster "${LOCAL_CLUSTER}" (keep it secret: the token is in the path):`)
  console.log(`  ${admitUrl}`)
  console.log('')
  console.log('Post the example AdmissionReview and show the injected patch:')
  console.log(
    `  curl -s -H 'content-type: application/json' --data @${review} ${admitUrl} | ${decode}`,
  )
  console.log('')
  console.log("The fleet token (every cluster's status and the metrics; keep it secret too):")
  console.log(`  ${tokens.fleet}`)
  console.log('Show the fleet, and scrape its metrics:')
  console.log(`  INJECTOR_FLEET_TOKEN=${tokens.fleet} npx sidecar-injector status --worker ${url}`)
  console.log(`  curl -s -H 'authorization: Bearer ${tokens.fleet}' ${url}/v1/fleet/metrics`)
  console.log('')
  console.log('Press Ctrl-C to stop.')
}

async function main(): Promise<void> {
  const options = readOptions()
  const secret = ensureSecret(options.varsFile)
  const url = `http://127.0.0.1:${options.port}`
  const child = await startWrangler(options)
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, signal)
      } catch {}
    }
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  child.on('exit', (code) => {
    // A stop we asked for is a clean exit; wrangler dying on its own is not.
    process.exit(stopping && process.exitCode === undefined ? 0 : (code ?? 1))
  })
  try {
    await waitUntilServing(url, child)
    const shared = await pushExamples(
      url,
      secret,
      SHARED_SCOPE,
      join(root, 'examples/configs/shared'),
    )
    const local = await pushExamples(url, secret, LOCAL_CLUSTER, join(root, 'examples/configs'))
    const { admit } = await deriveClusterTokens(secret, LOCAL_CLUSTER, crypto.subtle)
    const fleet = await deriveFleetToken(secret, crypto.subtle)
    printUsage(url, { admit, fleet }, { [SHARED_SCOPE]: shared, [LOCAL_CLUSTER]: local })
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    stop('SIGTERM')
    process.exitCode = 1
  }
}

await main()
