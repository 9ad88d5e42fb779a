import type { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { IngestResponse, StoredConfigList } from '../shared/ingest-api.ts'
import type { AppDeps, AppEnv } from './app-env.ts'
import { authorizeCluster, bearerToken } from './cluster-auth.ts'
import { planIngest } from './ingest-plan.ts'
import { decodeIngestRequest } from './ingest-request.ts'
import { readJsonBody } from './json-body.ts'
import { type Manifest, readManifest, writeGap } from './kv-layout.ts'

/** `PUT` and `GET /v1/clusters/{cluster}/configs`: the relay's desired set in, the stored set out. */
export function registerIngestRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store, settings, reader, auth, now } = deps
  // KV refuses more than ~1 write/s to one key; this isolate remembers its own last writes too.
  const lastWrites = new Map<string, number>()

  app.put('/v1/clusters/:cluster/configs', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const request = decodeIngestRequest(await readJsonBody(c.req.raw, settings.ingestMaxBytes))
    const previous = await readManifest(store, cluster)
    const writtenAt = new Date(now()).toISOString()
    const plan = await planIngest({
      request,
      previous,
      allowHostAccess: settings.allowHostAccess,
      now: writtenAt,
    })
    const response: IngestResponse = {
      cluster,
      results: plan.results,
      stored: plan.stored,
      removed: plan.removed,
      unchanged: plan.unchanged,
    }
    if (plan.unchanged) return c.json(response)
    const wait = writeGap(
      Math.max(Date.parse(previous.writtenAt), lastWrites.get(cluster) ?? 0),
      now(),
    )
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000)
      throw new HTTPException(429, {
        message: `scope "${cluster}" was written less than 1 s ago (Workers KV takes one write per key per second); nothing was stored, retry after ${seconds} s`,
        res: retryAfter(seconds),
      })
    }
    const next: Manifest = {
      version: 1,
      scope: cluster,
      writtenAt,
      entries: plan.entries,
      ...(Object.keys(plan.retired).length === 0 ? {} : { retired: plan.retired }),
    }
    // Claimed before the writes, so a concurrent push to this isolate gets 429, not a race.
    lastWrites.set(cluster, now())
    try {
      // Values first, manifest last: a reader sees the old set or the new one, never a mix.
      await store.writeConfigs(cluster, plan.newValues)
      await store.writeManifest(next)
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      throw new HTTPException(503, {
        message: `storing the configs failed, the previous set stays published: ${detail}`,
        res: retryAfter(1),
      })
    }
    reader.remember(next)
    // Retired values past their grace are deleted once the manifest that no longer names them
    // is published; a failure loses nothing (they stay listed and go with a later write).
    if (plan.expired.length > 0) await store.deleteConfigs(cluster, plan.expired).catch(() => {})
    return c.json(response)
  })

  app.get('/v1/clusters/:cluster/configs', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const manifest = await readManifest(store, cluster)
    const list: StoredConfigList = {
      cluster,
      configs: Object.entries(manifest.entries)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([ref, entry]) => {
          const [name = ref, version = ''] = ref.split(':')
          return {
            ref,
            name,
            version,
            hash: entry.hash,
            source: entry.source,
            updatedAt: entry.updatedAt,
          }
        }),
    }
    return c.json(list)
  })
}

// HTTPException carries extra headers on a response of its own; app.onError copies them.
function retryAfter(seconds: number): Response {
  return new Response(null, { headers: { 'retry-after': String(seconds) } })
}
