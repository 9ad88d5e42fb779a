import type { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { SHARED_SCOPE } from '../../shared/cluster-name.ts'
import type { IngestResponse, StoredConfigList } from '../../shared/ingest-api.ts'
import { ParseBudgetExceeded } from '../../shared/parse-limits.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeCluster, bearerToken } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'
import { readSnapshot } from './config-store.ts'
import { planIngest } from './ingest-plan.ts'
import { decodeIngestRequest } from './ingest-request.ts'
import { RELAY_INSTANCE_HEADER, readPusher } from './pusher.ts'
import type { ScopePushResult } from './scope-api.ts'
import { snapshotBytes } from './snapshot.ts'

/** `PUT` and `GET /v1/clusters/{cluster}/configs`: the relay's desired set in, the stored set out. */
export function registerIngestRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store, settings, reader, auth, kvLimits, scopes } = deps

  app.put('/v1/clusters/:cluster/configs', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const pusher = readPusher(c.req.header(RELAY_INSTANCE_HEADER))
    const request = decodeIngestRequest(await readJsonBody(c.req.raw, settings.ingestMaxBytes))
    if (cluster === SHARED_SCOPE && request.cluster !== undefined) {
      throw new HTTPException(400, {
        message: `cluster: scope "${SHARED_SCOPE}" serves the whole fleet and holds no cluster's labels or namespace defaults; push those to a cluster's scope`,
      })
    }
    // Counted before any config is parsed.
    const count = request.configs.length
    if (count > settings.scopeMaxConfigs) {
      throw tooLarge(
        `scope "${cluster}": the push holds ${count} configs; the limit is ${settings.scopeMaxConfigs} (INJECTOR_SCOPE_MAX_CONFIGS); nothing was stored`,
      )
    }
    const plan = await planIngest({
      request,
      allowHostAccess: settings.allowHostAccess,
      maxConfigBytes: settings.configMaxBytes,
      // YAML aliases can make a small push expand without bound: reading stops at twice the
      // scope's limit, the most it may keep plus as much again for configs it refuses.
      maxSetBytes: 2 * settings.scopeMaxBytes,
    }).catch((error: unknown) => {
      if (!(error instanceof ParseBudgetExceeded)) throw error
      throw tooLarge(
        `scope "${cluster}": ${error.message}, refused ones included; the limit is ${error.limit} (twice INJECTOR_SCOPE_MAX_BYTES); nothing was stored`,
      )
    })
    const bytes = snapshotBytes(cluster, plan.entries, request.cluster)
    if (bytes > settings.scopeMaxBytes) {
      throw tooLarge(
        `scope "${cluster}": its ${plan.entries.length} configs make a snapshot of ${bytes} bytes; the limit is ${settings.scopeMaxBytes} (INJECTOR_SCOPE_MAX_BYTES); nothing was stored`,
      )
    }
    // The scope's object is its only writer: it orders pushes, records the revision and
    // publishes it to KV (at once, or by alarm within KV's one write per second to a key).
    let outcome: ScopePushResult
    try {
      outcome = await scopes(cluster).push(cluster, {
        entries: plan.entries,
        pusher,
        ...(request.cluster === undefined ? {} : { cluster: request.cluster }),
      })
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      throw new HTTPException(503, {
        message: `the writer of scope "${cluster}" failed (${detail}); the push may not be recorded, retry it`,
        res: retryAfter(1),
      })
    }
    // This isolate reads the new snapshot from KV next, not its cached one.
    if (!outcome.unchanged) reader.forget(cluster)
    const own = kvLimits.cost()
    const response: IngestResponse = {
      cluster,
      results: plan.results,
      stored: plan.entries.map((entry) => entry.ref),
      removed: outcome.removed,
      unchanged: outcome.unchanged,
      kvOps: { reads: own.reads + outcome.kvOps.reads, writes: own.writes + outcome.kvOps.writes },
      revision: outcome.revision,
      published: outcome.published,
      pinned: outcome.pinned,
    }
    return c.json(response)
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
