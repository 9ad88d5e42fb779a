import type { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { IngestResponse, StoredConfigList } from '../../shared/ingest-api.ts'
import { ParseBudgetExceeded, utf8Length } from '../../shared/parse-limits.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeCluster, bearerToken } from '../http/cluster-auth.ts'
import { readSnapshot } from './config-store.ts'
import { planIngest } from './ingest-plan.ts'
import { decodeIngestRequest } from './ingest-request.ts'
import { readJsonBody } from '../http/json-body.ts'
import { snapshotKey, writeGap } from './kv-layout.ts'

/** `PUT` and `GET /v1/clusters/{cluster}/configs`: the relay's desired set in, the stored set out. */
export function registerIngestRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store, settings, reader, auth, now, kvLimits } = deps

  app.put('/v1/clusters/:cluster/configs', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const request = decodeIngestRequest(await readJsonBody(c.req.raw, settings.ingestMaxBytes))
    // Counted before any config is parsed or anything is read.
    const count = request.configs.length
    if (count > settings.scopeMaxConfigs) {
      throw tooLarge(
        `scope "${cluster}": the push holds ${count} configs; the limit is ${settings.scopeMaxConfigs} (INJECTOR_SCOPE_MAX_CONFIGS); nothing was stored`,
      )
    }
    // One KV read, and at most one write: the scope is one snapshot value.
    const previous = await readSnapshot(store, cluster)
    const writtenAt = new Date(now()).toISOString()
    const plan = await planIngest({
      scope: cluster,
      request,
      previous: previous.header,
      allowHostAccess: settings.allowHostAccess,
      maxConfigBytes: settings.configMaxBytes,
      // YAML aliases can make a small push expand without bound: reading stops at twice the
      // scope's limit, the most it may keep plus as much again for configs it refuses.
      maxSetBytes: 2 * settings.scopeMaxBytes,
      now: writtenAt,
    }).catch((error: unknown) => {
      if (!(error instanceof ParseBudgetExceeded)) throw error
      throw tooLarge(
        `scope "${cluster}": ${error.message}, refused ones included; the limit is ${error.limit} (twice INJECTOR_SCOPE_MAX_BYTES); nothing was stored`,
      )
    })
    const respond = () => {
      const response: IngestResponse = {
        cluster,
        results: plan.results,
        stored: plan.stored,
        removed: plan.removed,
        unchanged: plan.unchanged,
        kvOps: kvLimits.cost(),
      }
      return c.json(response)
    }
    if (plan.next === undefined) return respond()
    const { text, snapshot } = plan.next
    // Each UTF-16 unit is at most 3 UTF-8 bytes: count exactly only near the limit.
    const bytes = text.length * 3 <= settings.scopeMaxBytes ? 0 : utf8Length(text)
    if (bytes > settings.scopeMaxBytes) {
      throw tooLarge(
        `scope "${cluster}": its ${plan.stored.length} configs make a snapshot of ${bytes} bytes; the limit is ${settings.scopeMaxBytes} (INJECTOR_SCOPE_MAX_BYTES); nothing was stored`,
      )
    }
    // KV takes one write per key per second: the last write is in the snapshot (any isolate)
    // and in this isolate's memory. Nothing is awaited from here to the write, so a concurrent
    // push to this isolate sees the write claimed and gets 429, not a race.
    const last = Math.max(
      Date.parse(previous.header.writtenAt),
      kvLimits.lastWrite(snapshotKey(cluster)) ?? 0,
    )
    const wait = writeGap(last, now())
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000)
      throw new HTTPException(429, {
        message: `scope "${cluster}" was written less than 1 s ago (Workers KV takes one write per key per second); nothing was stored, retry after ${seconds} s`,
        res: retryAfter(seconds),
      })
    }
    try {
      await store.writeSnapshot(cluster, text)
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      throw new HTTPException(503, {
        message: `storing the configs failed, the previous set stays published: ${detail}`,
        res: retryAfter(1),
      })
    }
    reader.remember(snapshot)
    return respond()
  })

  app.get('/v1/clusters/:cluster/configs', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const { header } = await readSnapshot(store, cluster)
    const list: StoredConfigList = {
      cluster,
      configs: Object.entries(header.entries)
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

function tooLarge(message: string): HTTPException {
  return new HTTPException(413, { message })
}

// HTTPException carries extra headers on a response of its own; app.onError copies them.
function retryAfter(seconds: number): Response {
  return new Response(null, { headers: { 'retry-after': String(seconds) } })
}
