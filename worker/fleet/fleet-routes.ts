import type { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { FleetView, ForgetAnswer } from '../../shared/fleet-api.ts'
import { formatFleetMetrics } from '../../shared/fleet-metrics.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeFleet, clusterParam } from '../http/cluster-auth.ts'
import { buildClusterView, fleetRow } from './cluster-view.ts'
import type { FleetDirectory } from './fleet-registry.ts'
import { readServedViewsOrNone } from './served-view.ts'
import { readClusterView, stateOf } from './status-routes.ts'

/**
 * The fleet's routes, with the fleet token only: `GET /v1/fleet` (every cluster that reported),
 * `GET /v1/fleet/clusters/{cluster}` (one in full; `DELETE` forgets it) and `GET /v1/fleet/metrics`
 * (Prometheus).
 */
export function registerFleetRoutes(app: Hono<AppEnv>, deps: AppDeps, fleet: FleetDirectory): void {
  const { auth, now, scopes, store } = deps

  /**
   * Every reporting cluster's view; snapshots 8 clusters a KV call, and with `withScopes` the
   * scope states, one object call per cluster, in parallel (the metrics show none of them).
   */
  const views = async (withScopes: boolean) => {
    const records = await fleet().clusters()
    const names = records.map((r) => r.cluster)
    const [states, served] = await Promise.all([
      withScopes ? Promise.all(names.map((name) => stateOf(scopes, name))) : [],
      readServedViewsOrNone(store, names),
    ])
    const at = now()
    return records.map((record, i) =>
      buildClusterView(record.cluster, record, states[i], served.get(record.cluster), at),
    )
  }

  app.get('/v1/fleet', async (c) => {
    await authorizeFleet(c, auth)
    const view: FleetView = {
      generatedAt: new Date(now()).toISOString(),
      clusters: (await views(true)).map(fleetRow),
    }
    return c.json(view)
  })

  app.get('/v1/fleet/clusters/:cluster', async (c) => {
    await authorizeFleet(c, auth)
    const cluster = clusterParam(c)
    const { record, scope, view } = await readClusterView(deps, fleet, cluster)
    if (record === undefined && (scope === undefined || scope.headRevision === 0)) {
      throw new HTTPException(404, {
        message: `cluster "${cluster}" has neither reported nor been pushed to`,
      })
    }
    return c.json(view)
  })

  // A decommissioned cluster leaves the fleet view and the metrics; its scope stays.
  app.delete('/v1/fleet/clusters/:cluster', async (c) => {
    await authorizeFleet(c, auth)
    const cluster = clusterParam(c)
    const forgotten = await fleet().forget(cluster)
    if (forgotten === undefined) {
      throw new HTTPException(404, { message: `cluster "${cluster}" is not in the fleet registry` })
    }
    const answer: ForgetAnswer = { cluster, ...forgotten }
    return c.json(answer)
  })

  app.get('/v1/fleet/metrics', async (c) => {
    await authorizeFleet(c, auth)
    const [admissions, clusters] = await Promise.all([fleet().admissions(), views(false)])
    const text = formatFleetMetrics(
      admissions,
      clusters.map((view) => ({
        cluster: view.cluster,
        ...(view.syncAgeSeconds === undefined ? {} : { syncAgeSeconds: view.syncAgeSeconds }),
        ...(view.lastSeen === undefined
          ? {}
          : { lastSeenSeconds: Math.floor(Date.parse(view.lastSeen) / 1000) }),
        ...(view.pods === undefined ? {} : { pods: view.pods.drift }),
      })),
    )
    return c.body(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
  })
}
