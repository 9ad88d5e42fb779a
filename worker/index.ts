import { decodeReview, encodeValidation } from '../shared/admission-review.ts'
import { parseClusterName } from '../shared/cluster-name.ts'
import { consoleLog, logAdmission } from './admission/admission-log.ts'
import { encodeAdmission } from './admission/admission-response.ts'
import { admitUnchanged } from './admission/admit-route.ts'
import { createApp } from './app.ts'
import { FLEET_OBJECT_NAME } from './fleet/fleet-registry.ts'
import { readJsonBody } from './http/json-body.ts'
import { ADMISSION_MAX_BYTES, readWorkerSettings, SettingsError } from './settings.ts'

export { ScopeObject } from './configs/scope-object.ts'
export { FleetObject } from './fleet/fleet-object.ts'

type App = ReturnType<typeof createApp>

// `Env` is generated from wrangler.toml (worker/worker-configuration.d.ts, `npm run types`).
// Settings are read once per env object; the app (and its warm cache) lives as long as the isolate.
const apps = new WeakMap<object, App | SettingsError>()

function appFor(env: Env): App | SettingsError {
  let app = apps.get(env)
  if (app === undefined) {
    try {
      app = createApp({
        kv: env.CONFIGS,
        // One object per scope, by name: the scope's only writer.
        scopes: (scope) => env.SCOPES.getByName(scope),
        // One fleet object: the cluster registry and the admission counts.
        fleet: () => env.FLEET.getByName(FLEET_OBJECT_NAME),
        // A plain copy: the settings reader takes any record of variables and checks each.
        settings: readWorkerSettings({ ...env }),
      })
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error
      app = error
    }
    apps.set(env, app)
  }
  return app
}

export default {
  fetch(request, env, ctx) {
    const app = appFor(env)
    if (app instanceof SettingsError) {
      // Fail loudly: every request says which variable is wrong, and the log has it too.
      console.error(JSON.stringify({ event: 'invalid_settings', message: app.message }))
      const path = new URL(request.url).pathname
      if (request.method === 'POST' && path.startsWith('/v1/admit/')) {
        return admitMisconfigured(request)
      }
      if (request.method === 'POST' && path.startsWith('/v1/validate/')) {
        return allowUnchecked(request)
      }
      return Response.json({ error: `invalid Worker settings: ${app.message}` }, { status: 500 })
    }
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>

/**
 * The admission route never answers 500: with settings it cannot trust, the Worker admits the
 * pod unchanged and says so, without checking the token (it may lack the secret to) and without
 * naming the bad variable to the pod's creator.
 */
async function admitMisconfigured(request: Request): Promise<Response> {
  try {
    const review = decodeReview(await readJsonBody(request, ADMISSION_MAX_BYTES))
    const decision = admitUnchanged(
      'misconfigured',
      'injector unavailable',
      new Error('its settings are invalid; see the Worker log'),
    )
    // The token is unchecked, so the cluster is only what the path claims.
    const claimed = parseClusterName(new URL(request.url).pathname.split('/')[3] ?? '')
    const cluster = claimed.ok ? claimed.name : ''
    logAdmission(consoleLog, 'all', {
      cluster,
      request: review.request,
      decision,
      kvOps: 0,
      durationMs: 0,
    })
    return Response.json(encodeAdmission(review, decision))
  } catch {
    return Response.json(
      { error: 'invalid Worker settings, and the body is not a readable AdmissionReview' },
      { status: 400 },
    )
  }
}

/** The ConfigMap check, likewise: a Worker that cannot check allows the ConfigMap and says so. */
async function allowUnchecked(request: Request): Promise<Response> {
  try {
    const review = decodeReview(await readJsonBody(request, ADMISSION_MAX_BYTES))
    const warning = 'sidecar config check skipped: the injector is unavailable (invalid settings)'
    return Response.json(encodeValidation(review, { allowed: true, warnings: [warning] }))
  } catch {
    return Response.json(
      { error: 'invalid Worker settings, and the body is not a readable AdmissionReview' },
      { status: 400 },
    )
  }
}
