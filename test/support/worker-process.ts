import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from './free-port.ts'
import type { LocalWorkerOptions } from './local-worker.ts'

/** A Worker running in real workerd under `wrangler dev`, with its own local KV. */
export interface WorkerProcess {
  readonly url: string
  readonly port: number
  readonly persistDir: string
  /** Everything wrangler printed so far. */
  output(): string
  stop(): Promise<void>
}

export interface WorkerProcessOptions extends LocalWorkerOptions {
  /** Reuse a KV state folder (kept on stop); default a fresh temporary one (removed on stop). */
  readonly persistDir?: string
  readonly port?: number
}

const root = resolve(import.meta.dirname, '../..')

/** Starts `wrangler dev` on 127.0.0.1 and resolves once it answers HTTP. */
export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const port = options.port ?? (await freePort())
  const ownsDir = options.persistDir === undefined
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'injector-kv-'))
  const vars = { INJECTOR_SECRET: options.secret, ...options.vars }
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistDir]
  args.push('--inspector-port', String(await freePort()), '--show-interactive-dev-session=false')
  args.push('--log-level', 'warn')
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`)
  const child = spawn(join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const url = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    await killGroup(child)
    if (ownsDir) rmSync(persistDir, { recursive: true, force: true })
  }
  try {
    await waitForHttp(url, child, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  return { url, port, persistDir, output: () => output, stop }
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output()}`)
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  throw new Error(`wrangler dev did not answer within 60 s:\n${output()}`)
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }, 5000)
  await exited
  clearTimeout(timer)
}
