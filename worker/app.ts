import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { ReviewError } from '../shared/admission-review.ts'
import { consoleLog, type LogSink } from './admission/admission-log.ts'
import { registerAdmitRoute } from './admission/admit-route.ts'
import { answerFailOpen, logError } from './admission/fail-open.ts'
import { registerPreviewRoute } from './admission/preview-route.ts'
import { registerValidateRoute } from './admission/validate-route.ts'
import type { AppDeps, AppEnv } from './app-env.ts'
import { createConfigReader } from './configs/config-reader.ts'
import { createKvConfigStore, type KvLike } from './configs/config-store.ts'
import { registerIngestRoutes } from './configs/ingest-route.ts'
import { createKvLimits } from './configs/kv-limits.ts'
import { registerRevisionRoutes } from './configs/revision-routes.ts'
import type { ScopeDirectory } from './configs/scope-api.ts'
import { createAdmissionCounter } from './fleet/admission-counter.ts'
import type { FleetDirectory } from './fleet/fleet-registry.ts'
import { registerFleetRoutes } from './fleet/fleet-routes.ts'
import { registerStatusRoutes } from './fleet/status-routes.ts'
import { unauthorized } from './http/cluster-auth.ts'
import { createTokenAuth } from './http/token-auth.ts'
import type { WorkerSettings } from './settings.ts'

/** The body of every 404: the routes there are, never the path asked for. */
export const NOT_FOUND =
  'no such route; the Worker serves GET /healthz, POST /v1/admit/{cluster}/{token}, ' +
  'POST /v1/validate/{cluster}/{token}, GET and PUT /v1/clusters/{cluster}/configs, ' +
  'POST /v1/clusters/{cluster}/preview, GET /v1/clusters/{cluster}/revisions[/{n}], ' +
  'POST /v1/clusters/{cluster}/rollback, POST /v1/clusters/{cluster}/unpin, ' +
  'GET and PUT /v1/clusters/{cluster}/status, PUT /v1/clusters/{cluster}/pods, ' +
  'GET /v1/fleet, GET and DELETE /v1/fleet/clusters/{cluster}, GET /v1/fleet/metrics'

/** The adapters the Worker runs on; `kv`, `scopes` and `settings` are required. */
export interface AppOptions {
  /** The `CONFIGS` KV namespace; the app holds every call to Cloudflare's limits. */
  readonly kv: KvLike
  /** The writer of each scope (the `SCOPES` Durable Objects): the app never writes KV itself. */
  readonly scopes: ScopeDirectory
  readonly settings: WorkerSettings
  /**
   * The fleet registry (the `FLEET` Durable Object): cluster reports and admission counts.
   * Without it, the status and fleet routes fail and admission counts are dropped.
   */
  readonly fleet?: FleetDirectory
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
  const fleet: FleetDirectory =
    options.fleet ??
    (() => {
      throw new Error('no fleet registry: the app was built without `fleet`')
    })
  const deps: AppDeps = {
    store,
    kvLimits,
    settings,
    now,
    log: options.log ?? consoleLog,
    scopes: options.scopes,
    admissions: createAdmissionCounter({
      fleet,
      intervalMs: settings.metricsFlushMs,
      now,
      // The counts stay in memory for the next send; the log says why this one failed.
      onError: (error) => {
        const message = error instanceof Error ? error.message : String(error)
        console.error(JSON.stringify({ event: 'admission_counts_not_sent', message }))
      },
    }),
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
  registerValidateRoute(app, deps)
  // A webhook URL without its token segment: the same answer as a wrong token.
  for (const path of ['/v1/admit/:cluster', '/v1/validate/:cluster']) {
    app.post(path, () => {
      throw unauthorized()
    })
  }
  registerIngestRoutes(app, deps)
  registerRevisionRoutes(app, deps)
  registerPreviewRoute(app, deps)
  registerStatusRoutes(app, deps, fleet)
  registerFleetRoutes(app, deps, fleet)
  // A fixed text: the path may carry a token, even one the URL parser moved (`/v1/admit/%2e%2e/t`).
  app.notFound((c) => c.json({ error: NOT_FOUND }, 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Headers such as Retry-After ride on the exception's response.
      const headers = Object.fromEntries(error.res?.headers ?? [])
      return c.json({ error: error.message }, error.status, headers)
    }
    if (error instanceof ReviewError) return c.json({ error: error.message }, 400)
    // Both webhooks answer in their own terms once a review was read; the rest is a plain 500.
    const failOpen = answerFailOpen(c, deps, error)
    if (failOpen !== undefined) return failOpen
    logError(c.req.routePath, error)
    return c.json({ error: 'internal error' }, 500)
  })
  return app
}
