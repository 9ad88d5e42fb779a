import type { Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { sumPodCounts } from '../../shared/drift.ts'
import type { ClusterStatusView, PodSummary, ScopeState } from '../../shared/fleet-api.ts'
import { checkPodReport, checkStatusReport } from '../../shared/fleet-report-check.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import type { ScopeDirectory } from '../configs/scope-api.ts'
import { authorizeCluster, bearerToken } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'
import { buildClusterView } from './cluster-view.ts'
import type { ClusterRecord, FleetDirectory } from './fleet-registry.ts'
import { readServedViewsOrNone } from './served-view.ts'

/** A heartbeat is a few hundred bytes; 1,000 namespaces of 63 characters fit well within this. */
export const STATUS_MAX_BYTES = 256 * 1024
/** A pod report has at most 10,000 rows of about 100 bytes. */
export const POD_REPORT_MAX_BYTES = 2 * 1024 * 1024
/** The summed report is one SQLite value, which Durable Objects cap at 2 MB: room below it. */
const POD_SUMMARY_MAX_CHARS = 1_900_000

/**
 * A cluster's relay reports, with its sync token: `PUT .../status` (heartbeat), `PUT .../pods`
 * (pod report), and `GET .../status` reads them back with the scope's state and drift.
 */
export function registerStatusRoutes(
  app: Hono<AppEnv>,
  deps: AppDeps,
  fleet: FleetDirectory,
): void {
  const { auth, now, scopes } = deps
  const authorize = (c: Context) => authorizeCluster(c, auth, 'sync', bearerToken(c))

  app.put('/v1/clusters/:cluster/status', async (c) => {
    const cluster = await authorize(c)
    const at = now()
    let body: unknown
    try {
      body = await readJsonBody(c.req.raw, STATUS_MAX_BYTES)
    } catch (error) {
      // Unreadable JSON is a malformed heartbeat too; a body too large is refused unread.
      if (error instanceof HTTPException && error.status === 400) {
        await fleet().refuseStatus(cluster, error.message, at)
      }
      throw error
    }
    const checked = checkStatusReport(body)
    if (!checked.ok) {
      // The last good status stays; the refusal is what `status` shows as the cluster's error.
      await fleet().refuseStatus(cluster, checked.message, at)
      throw new HTTPException(400, { message: checked.message })
    }
    await fleet().recordStatus(cluster, checked.value, at)
    await forwardKubernetesVersion(scopes, cluster, checked.value.kubernetesVersion)
    return c.json({ cluster, receivedAt: new Date(at).toISOString() })
  })

  app.put('/v1/clusters/:cluster/pods', async (c) => {
    const cluster = await authorize(c)
    const checked = checkPodReport(await readJsonBody(c.req.raw, POD_REPORT_MAX_BYTES))
    if (!checked.ok) throw new HTTPException(400, { message: checked.message })
    const report = checked.value
    const summary: PodSummary = {
      listedAt: report.listedAt,
      receivedAt: new Date(now()).toISOString(),
      totalPods: report.totalPods,
      rows: report.counts.length,
      byConfig: sumPodCounts(report.counts),
    }
    // Rows of very long names could sum to more than one stored value holds: say so, store nothing.
    if (JSON.stringify(summary).length > POD_SUMMARY_MAX_CHARS) {
      throw new HTTPException(413, {
        message: `pod report of ${summary.byConfig.length} config@hash rows is more than ${POD_SUMMARY_MAX_CHARS} characters once summed; nothing was stored`,
      })
    }
    await fleet().recordPods(cluster, summary)
    return c.json({ cluster, rows: summary.rows, configs: summary.byConfig.length })
  })

  app.get('/v1/clusters/:cluster/status', async (c) => {
    const cluster = await authorize(c)
    return c.json((await readClusterView(deps, fleet, cluster)).view)
  })
}

/**
 * One cluster's view, and the registry record and scope state it was built from: the three
 * sources read in parallel. The relay's status route and the fleet's cluster route share it.
 */
export async function readClusterView(
  deps: AppDeps,
  fleet: FleetDirectory,
  cluster: string,
): Promise<{
  record: ClusterRecord | undefined
  scope: ScopeState | undefined
  view: ClusterStatusView
}> {
  const [record, scope, served] = await Promise.all([
    fleet().cluster(cluster),
    stateOf(deps.scopes, cluster),
    readServedViewsOrNone(deps.store, [cluster]),
  ])
  return {
    record,
    scope,
    view: buildClusterView(cluster, record, scope, served.get(cluster), deps.now()),
  }
}

/** A scope's state, or nothing when its object does not answer: status is shown without it. */
export async function stateOf(
  scopes: ScopeDirectory,
  scope: string,
): Promise<ScopeState | undefined> {
  try {
    return await scopes(scope).state(scope)
  } catch (error) {
    console.error(JSON.stringify({ event: 'scope_state_failed', scope, message: String(error) }))
    return undefined
  }
}

/**
 * Passes the cluster's Kubernetes server version (from its heartbeat, just stored) on to its
 * scope object, which publishes it in the scope's snapshot header when it changed, for the
 * admissions that render `auto` sidecars. A heartbeat without a version keeps the last one
 * known: a relay that could not read `/version` once must not flip pods to classic sidecars.
 * A failure here costs the heartbeat nothing; the next one (a minute later) tries again.
 */
async function forwardKubernetesVersion(
  scopes: ScopeDirectory,
  cluster: string,
  version: string | undefined,
): Promise<void> {
  if (version === undefined) return
  try {
    const outcome = await scopes(cluster).setKubernetesVersion(cluster, version)
    if (outcome.refused !== undefined) {
      console.error(
        JSON.stringify({ event: 'kubernetes_version_refused', cluster, message: outcome.refused }),
      )
    } else if (outcome.changed) {
      console.log(JSON.stringify({ event: 'kubernetes_version', cluster, version }))
    }
  } catch (error) {
    console.error(
      JSON.stringify({ event: 'kubernetes_version_failed', cluster, message: String(error) }),
    )
  }
}
