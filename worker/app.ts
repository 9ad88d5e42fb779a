import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { ReviewError } from '../shared/admission-review.ts'
import { consoleLog, type LogSink, logAdmission } from './admission-log.ts'
import { encodeAdmission } from './admission-response.ts'
import { admitUnchanged, registerAdmitRoute } from './admit-route.ts'
import type { AppDeps, AppEnv } from './app-env.ts'
import { unauthorized } from './cluster-auth.ts'
import { createConfigReader } from './config-reader.ts'
import { createKvConfigStore, type KvLike } from './config-store.ts'
import { registerIngestRoutes } from './ingest-route.ts'
import { createKvLimits } from './kv-limits.ts'
import { registerPreviewRoute } from './preview-route.ts'
import type { WorkerSettings } from './settings.ts'
import { createTokenAuth } from './token-auth.ts'

/** The adapters the Worker runs on; only `kv` and `settings` are required. */
export interface AppOptions {
  /** The `CONFIGS` KV namespace; the app holds every call to Cloudflare's limits. */
  readonly kv: KvLike
  readonly settings: WorkerSettings
  readonly log?: LogSink
  readonly now?: () => number
}

/** Composition root: builds the Worker's Hono app from its store, settings and clock. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now
  // Cloudflare refuses these calls in production; locally nothing would, so the app does.
  const kvLimits = createKvLimits({
    now,
    onViolation: (error) => {
      console.error(
        JSON.stringify({ event: 'kv_limit_exceeded', limit: error.limit, message: error.message }),
      )
    },
  })
  const store = createKvConfigStore(kvLimits.wrap(options.kv))
  const { settings } = options
  const deps: AppDeps = {
    store,
    kvLimits,
    settings,
    now,
    log: options.log ?? consoleLog,
    auth: createTokenAuth(settings.secrets),
    reader: createConfigReader({
      store,
      ttlMs: settings.cacheTtlMs,
      now,
      maxBytes: settings.cacheMaxBytes,
      readWindowMs: settings.admissionDeadlineMs,
    }),
  }
  const app = new Hono<AppEnv>()
  // Each request is one invocation, which Cloudflare allows 1,000 KV operations.
  app.use((_c, next) => kvLimits.run(next))
  // A known path with a method it does not take: 405 with the methods it does take in `Allow`.
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allow = methods.join(', ')
        return c.json({ error: `method ${c.req.method} not allowed; use ${allow}` }, 405, { allow })
      },
    }),
  )
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  registerAdmitRoute(app, deps)
  // A webhook URL without its token segment: the same answer as a wrong token.
  app.post('/v1/admit/:cluster', () => {
    throw unauthorized()
  })
  registerIngestRoutes(app, deps)
  registerPreviewRoute(app, deps)
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Headers such as Retry-After ride on the exception's response.
      const headers = Object.fromEntries(error.res?.headers ?? [])
      return c.json({ error: error.message }, error.status, headers)
    }
    if (error instanceof ReviewError) return c.json({ error: error.message }, 400)
    // The one failure policy: a pod whose review we could read is admitted unchanged, never 500'd
    // (tumblr: "don't prevent pods from launching"); anything else is a plain 500.
    const review = c.get('review')
    if (review !== undefined) {
      const decision = admitUnchanged('injector error', error)
      const cost = c.get('cost')
      try {
        logAdmission(deps.log, deps.settings.admissionLog, {
          cluster: c.get('cluster'),
          request: review.request,
          decision,
          kvOps: cost.kvOps,
          durationMs: deps.now() - cost.startedAt,
        })
      } catch {}
      return c.json(encodeAdmission(review, decision))
    }
    // The route pattern, not the path: an admit path carries a token.
    console.error(
      JSON.stringify({ event: 'error', route: c.req.routePath, message: String(error) }),
    )
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}
