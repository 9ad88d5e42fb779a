import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import type { LocalWorker, LocalWorkerOptions } from './local-worker.ts'

const root = resolve(import.meta.dirname, '../..')

/**
 * The Worker in workerd driven by Miniflare directly, no dev proxy, no inspector: bundles
 * worker/index.ts as wrangler would and serves it on 127.0.0.1 with in-memory KV and Durable
 * Objects (the real scope objects, so pushes, history and rollback run as deployed).
 */
export async function startMiniflareWorker(
  options: LocalWorkerOptions & {
    /** Another checkout of this project (say a git worktree) whose Worker to build instead. */
    readonly root?: string
    /** Serve V8's inspector here (the Worker's target is `core:user:`), e.g. to read its heap. */
    readonly inspectorPort?: number
  },
): Promise<LocalWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'miniflare-worker-'))
  const scriptPath = join(dir, 'worker.mjs')
  await build({
    entryPoints: [join(options.root ?? root, 'worker/index.ts')],
    // A checkout without node_modules of its own builds with this project's packages.
    nodePaths: [join(root, 'node_modules')],
    outfile: scriptPath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    conditions: ['workerd', 'worker', 'browser'],
    // Node.js built-ins (node:async_hooks) and the runtime's modules (cloudflare:workers) come
    // from workerd, as with wrangler.
    external: ['node:*', 'cloudflare:*'],
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  })
  let lines = 0
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      modulesRoot: dir,
      compatibilityDate: '2026-11-01',
      kvNamespaces: ['CONFIGS'],
      // The scope objects (the only writers of KV) and the fleet object, in memory like KV.
      durableObjects: durableObjectsOf(options.root ?? root),
      bindings: { INJECTOR_SECRET: options.secret, ...options.vars },
      host: '127.0.0.1',
      port: 0,
      ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
      handleStructuredLogs: () => {
        lines++
      },
    }),
  )
  let url: string
  try {
    url = String(await mf.ready).replace(/\/$/, '')
  } catch (error) {
    // A runtime that failed to start may still hold its process: end it before reporting.
    await mf.dispose().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    logLines: () => lines,
    stop: async () => {
      await mf.dispose()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The Durable Object bindings a checkout's wrangler.toml declares (binding name to class, all
 * SQLite-backed): the Worker's own, or an older checkout's, which may have none.
 */
function durableObjectsOf(
  checkout: string,
): Record<string, { className: string; useSQLite: true }> {
  const toml = readFileSync(join(checkout, 'wrangler.toml'), 'utf8')
  const bindings: Record<string, { className: string; useSQLite: true }> = {}
  for (const block of toml.split('[[durable_objects.bindings]]').slice(1)) {
    const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1]
    const className = /^class_name\s*=\s*"([^"]+)"/m.exec(block)?.[1]
    if (name !== undefined && className !== undefined) {
      bindings[name] = { className, useSQLite: true }
    }
  }
  return bindings
}
