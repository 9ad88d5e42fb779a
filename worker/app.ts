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
import type { ConfigStore } from './config-store.ts'
import { registerIngestRoutes } from './ingest-route.ts'
import { registerPreviewRoute } from './preview-route.ts'
import type { WorkerSettings } from './settings.ts'
import { createTokenAuth } from './token-auth.ts'

/** The adapters the Worker runs on; only `store` and `settings` are required. */
export interface AppOptions {
  readonly store: ConfigStore
  readonly settings: WorkerSettings
  readonly log?: LogSink
  readonly now?: () => number
}

/** Composition root: builds the Worker's Hono app from its store, settings and clock. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now
  const deps: AppDeps = {
    store: options.store,
    settings: options.settings,
    now,
    log: options.log ?? consoleLog,
    auth: createTokenAuth(options.settings.secrets),
    reader: createConfigReader({ store: options.store, ttlMs: options.settings.cacheTtlMs, now }),
  }
  const app = new Hono<AppEnv>()
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
