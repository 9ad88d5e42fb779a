import { createApp } from './app.ts'
import { createKvConfigStore } from './config-store.ts'
import { readWorkerSettings, SettingsError } from './settings.ts'

/** The Worker's bindings: the KV namespace and the variables of wrangler.toml plus the secret. */
export interface Env {
  readonly CONFIGS: KVNamespace
  readonly [name: string]: unknown
}

type App = ReturnType<typeof createApp>

// Settings are read once per env object; the app (and its warm cache) lives as long as the isolate.
const apps = new WeakMap<object, App | SettingsError>()

function appFor(env: Env): App | SettingsError {
  let app = apps.get(env)
  if (app === undefined) {
    try {
      app = createApp({
        store: createKvConfigStore(env.CONFIGS),
        settings: readWorkerSettings(env),
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
      return Response.json({ error: `invalid Worker settings: ${app.message}` }, { status: 500 })
    }
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
