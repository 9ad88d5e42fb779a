import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { LocalWorker, LocalWorkerOptions } from './local-worker.ts'

const root = resolve(import.meta.dirname, '../..')

/**
 * Starts wrangler.toml's Worker as `wrangler dev` does (its proxy, Miniflare, workerd, local KV,
 * every log line printed), except for the inspector the CLI always attaches: without it, console
 * output leaves workerd as structured logs instead of one debugger event per line. The server
 * runs in a child process (this file, run as a script) so it does not share the caller's CPU.
 */
export async function startDevServerWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const child = spawn(process.execPath, [import.meta.filename], {
    cwd: root,
    env: {
      ...process.env,
      DEV_SERVER_OPTIONS: JSON.stringify(options),
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let lines = 0
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once('exit', (code) => reject(new Error(`dev server exited early (${code})`)))
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('url ')) resolveUrl(line.slice(4))
      else lines++
    })
  })
  return {
    url,
    logLines: () => lines,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Run as a script: start the dev server, print `url <url>`, then one line per log line. */
async function serve(): Promise<void> {
  const { unstable_startWorker } = await import('wrangler')
  const options = JSON.parse(process.env.DEV_SERVER_OPTIONS ?? '{}') as LocalWorkerOptions
  const persist = mkdtempSync(join(tmpdir(), 'injector-dev-server-'))
  const bindings: Record<string, { type: 'plain_text' | 'secret_text'; value: string }> = {
    INJECTOR_SECRET: { type: 'secret_text', value: options.secret },
  }
  for (const [name, value] of Object.entries(options.vars ?? {})) {
    bindings[name] = { type: 'plain_text', value }
  }
  const worker = await unstable_startWorker({
    config: join(root, 'wrangler.toml'),
    bindings,
    dev: {
      inspector: false,
      server: { hostname: '127.0.0.1', port: 0 },
      persist,
      watch: false,
      logLevel: 'warn',
      structuredLogsHandler: ({ message }: { message: string }) => {
        process.stdout.write(`${message}\n`)
      },
    },
  })
  await worker.ready
  process.stdout.write(`url ${String(await worker.url).replace(/\/$/, '')}\n`)
  process.once('SIGTERM', () => {
    worker
      .dispose()
      .finally(() => {
        rmSync(persist, { recursive: true, force: true })
        process.exit(0)
      })
      .catch(() => {})
  })
}

if (import.meta.main) await serve()
