import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import type { ScopeState } from '../../shared/fleet-api.ts'
import type { IngestEntry } from '../../shared/ingest-api.ts'
import type { JsonObject } from '../../shared/json.ts'
import { createApp } from '../../worker/app.ts'
import type { KvLike } from '../../worker/configs/config-store.ts'
import type { ScopeDirectory } from '../../worker/configs/scope-api.ts'
import type { ScopeObject } from '../../worker/configs/scope-object.ts'
import { FLEET_OBJECT_NAME, type FleetDirectory } from '../../worker/fleet/fleet-registry.ts'
import { readWorkerSettings } from '../../worker/settings.ts'
import { podCreateReview } from '../support/pod-review.ts'

/** The Worker secret of these tests, and the one it replaced. */
export const SECRET = 'worker-test-secret-0123456789abcdef0123'
export const OLD_SECRET = 'worker-test-old-secret-fedcba9876543210'

/** A KV wrapper that counts calls: each is one round trip. */
export interface CountingKv extends KvLike {
  gets: number
  puts: number
  keysRead: string[]
  /** Keys put, in order. */
  written: string[]
  /** Keys deleted, in order. */
  deleted: string[]
}

/**
 * The real local KV binding, which the scope objects publish to. Each test starts with it
 * empty, and with no scope object (test/worker/setup.ts).
 */
export function freshKv(): KvLike {
  const kv = env.CONFIGS
  return {
    get: (keys, type) => kv.get(keys, type),
    put: (key, value) => kv.put(key, value),
    delete: (key) => kv.delete(key),
  }
}

/** The real object of `scope` (binding SCOPES), as the Worker reaches it. */
export function scopeStub(scope: string) {
  return env.SCOPES.getByName(scope)
}

/** What the object of `scope` reports about itself. */
export function scopeState(scope: string): Promise<ScopeState> {
  return runInDurableObject(scopeStub(scope), (object: ScopeObject) => object.state(scope))
}

/**
 * The scope objects, as the Worker reaches them. With `now`, each object's clock is set to it
 * before every call, so a test moves the object's time (KV's write gap, revision times and
 * retention) the way it moves the app's.
 */
export function scopeDirectory(now?: () => number): ScopeDirectory {
  return (scope) => {
    const stub = scopeStub(scope)
    if (now === undefined) return stub
    const synced = async (): Promise<DurableObjectStub<ScopeObject>> => {
      await runInDurableObject(stub, (object: ScopeObject) => {
        object.now = now
      })
      return stub
    }
    return {
      push: async (...args) => (await synced()).push(...args),
      revisions: async (...args) => (await synced()).revisions(...args),
      revision: async (...args) => (await synced()).revision(...args),
      rollback: async (...args) => (await synced()).rollback(...args),
      unpin: async (...args) => (await synced()).unpin(...args),
      state: async (...args) => (await synced()).state(...args),
      setKubernetesVersion: async (...args) => (await synced()).setKubernetesVersion(...args),
    }
  }
}

/** Wraps a KV binding (by default a fresh one) and counts what goes through it. */
export function countingKv(kv: KvLike = freshKv()): CountingKv {
  const counter: CountingKv = {
    gets: 0,
    puts: 0,
    keysRead: [],
    written: [],
    deleted: [],
    get(keys, type) {
      counter.gets++
      counter.keysRead.push(...keys)
      return kv.get(keys, type)
    },
    put(key, value) {
      counter.puts++
      counter.written.push(key)
      return kv.put(key, value)
    },
    delete(key) {
      counter.deleted.push(key)
      return kv.delete(key)
    },
  }
  return counter
}

/**
 * Puts a counting KV in place of the one `scope`'s object publishes to (the real binding
 * underneath), failing its first `failPuts` puts; returns it, to read what the object wrote.
 */
export async function watchScopeKv(
  scope: string,
  options: { readonly failPuts?: number } = {},
): Promise<CountingKv> {
  const real = freshKv()
  let failures = options.failPuts ?? 0
  const counting = countingKv({
    get: real.get,
    put: (key, value) =>
      failures-- > 0
        ? Promise.reject(new Error('KV PUT failed: 429 Too Many Requests'))
        : real.put(key, value),
    delete: real.delete,
  })
  await runInDurableObject(scopeStub(scope), (object: ScopeObject) => {
    object.kv = counting
  })
  return counting
}

/** A KV binding that fails every call the given way. */
export function brokenKv(mode: 'throw' | 'hang'): KvLike {
  const fail = (): Promise<never> =>
    mode === 'throw' ? Promise.reject(new Error('KV is down')) : new Promise<never>(() => {})
  return { get: fail, put: fail, delete: fail }
}

export interface TestAppOptions {
  readonly kv?: KvLike
  /** The fleet registry; the real fleet object (binding FLEET) unless told otherwise. */
  readonly fleet?: FleetDirectory
  readonly vars?: Readonly<Record<string, string>>
  /** The app's clock, and the scope objects' while this app calls them. */
  readonly now?: () => number
}

/**
 * Builds the app the way worker/index.ts does, with explicit settings, and collects its log
 * lines. The app holds its KV to Cloudflare's limits itself, so every test here runs through
 * them; pushes go to the real scope objects, which publish to the real local KV.
 */
export function testApp(options: TestAppOptions = {}) {
  const logs: JsonObject[] = []
  const settings = readWorkerSettings({ INJECTOR_SECRET: SECRET, ...options.vars })
  const app = createApp({
    kv: options.kv ?? freshKv(),
    scopes: scopeDirectory(options.now),
    fleet: options.fleet ?? (() => env.FLEET.getByName(FLEET_OBJECT_NAME)),
    settings,
    log: (line) => {
      logs.push(line)
    },
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  return { app, logs }
}

/** Tokens of `cluster` under `secret`, derived with workerd's WebCrypto. */
export function tokensFor(cluster: string, secret = SECRET) {
  return deriveClusterTokens(secret, cluster, crypto.subtle)
}

type App = ReturnType<typeof testApp>['app']

/** Pushes a cluster's full set through the ingest API. */
export async function pushConfigs(
  app: App,
  cluster: string,
  configs: readonly (string | IngestEntry)[],
): Promise<Response> {
  const { sync } = await tokensFor(cluster)
  const entries = configs.map((c, i) =>
    typeof c === 'string' ? { text: c, source: source(`cm-${i}`) } : c,
  )
  return app.request(`/v1/clusters/${cluster}/configs`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify({ configs: entries }),
  })
}

/** A ConfigMap source in namespace `sidecars`. */
export function source(name: string, key = 'config.yaml') {
  return { kind: 'ConfigMap' as const, namespace: 'sidecars', name, key, resourceVersion: '1' }
}

/** A config text: one container named after the config, marked with `mark`. */
export function configText(ref: string, mark = 'a', extra = ''): string {
  const [name = ref, version = 'latest'] = ref.split(':')
  return `name: ${name}:${version}\ncontainers:\n  - name: ${name}\n    image: busybox:1.36\n    env:\n      - name: MARK\n        value: "${mark}"\n${extra}`
}

/** A v1 Pod CREATE review asking for `request` (no annotation when undefined). */
export function podReview(request: string | undefined, namespace = 'apps'): JsonObject {
  const annotations: JsonObject =
    request === undefined ? {} : { 'injector.tumblr.com/request': request }
  return podCreateReview(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace, annotations },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
    },
    { namespace },
  )
}

/** Posts a review to the admit route of `cluster` with its own (or the given) token. */
export async function postReview(app: App, cluster: string, review: unknown, token?: string) {
  const admit = token ?? (await tokensFor(cluster)).admit
  return app.request(`/v1/admit/${cluster}/${admit}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(review),
  })
}

/** The AdmissionResponse of an answer, with its patch decoded. */
export async function admissionOf(res: Response) {
  const body = (await res.json()) as {
    response: { uid: string; allowed: boolean; patch?: string; warnings?: string[] }
  }
  const { patch, ...rest } = body.response
  const ops =
    patch === undefined
      ? []
      : (JSON.parse(atob(patch)) as { op: string; path: string; value?: unknown }[])
  return { ...rest, warnings: rest.warnings ?? [], patch: ops }
}

/** The values of env var MARK in the injected containers named `name`. */
export function marksOf(
  patch: readonly { path: string; value?: unknown }[],
  name: string,
): string[] {
  const marks: string[] = []
  for (const op of patch) {
    const value = op.value as { name?: string; env?: { name: string; value: string }[] } | undefined
    if (value?.name === name)
      marks.push(...(value.env ?? []).filter((e) => e.name === 'MARK').map((e) => e.value))
  }
  return marks
}
