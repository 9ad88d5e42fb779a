import { compareToServed } from '../../shared/drift.ts'
import type { ClusterStatusView, FleetClusterRow, ScopeState } from '../../shared/fleet-api.ts'
import type { ClusterRecord } from './fleet-registry.ts'
import type { ServedView } from './served-view.ts'

/** One cluster's status as `GET .../status` answers it: what the registry, scope and KV say. */
export function buildClusterView(
  cluster: string,
  record: ClusterRecord | undefined,
  scope: ScopeState | undefined,
  served: ServedView | undefined,
  now: number,
): ClusterStatusView {
  const view: { -readonly [K in keyof ClusterStatusView]: ClusterStatusView[K] } = { cluster }
  if (record?.lastSeen !== undefined) {
    view.lastSeen = new Date(record.lastSeen).toISOString()
    view.syncAgeSeconds = Math.max(0, Math.floor((now - record.lastSeen) / 1000))
  }
  if (record?.status !== undefined) view.status = record.status
  if (record?.refused !== undefined) {
    view.refused = {
      at: new Date(record.refused.at).toISOString(),
      message: record.refused.message,
    }
  }
  if (scope !== undefined) view.scope = scope
  if (served !== undefined) view.servedConfigs = served.configs
  // Without the served view (KV unreadable), every config reads as unserved: say nothing instead.
  if (record?.pods !== undefined && served !== undefined) {
    const { rows, drift } = compareToServed(record.pods.byConfig, served.hashOf)
    view.pods = { ...record.pods, drift: rows }
    view.drift = drift
  }
  return view
}

/** The fleet table's row of a cluster. */
export function fleetRow(view: ClusterStatusView): FleetClusterRow {
  const { status, scope } = view
  const row: { -readonly [K in keyof FleetClusterRow]: FleetClusterRow[K] } = {
    cluster: view.cluster,
  }
  if (view.lastSeen !== undefined) row.lastSeen = view.lastSeen
  if (view.syncAgeSeconds !== undefined) row.syncAgeSeconds = view.syncAgeSeconds
  if (status !== undefined) {
    row.relayVersion = status.relayVersion
    if (status.kubernetesVersion !== undefined) row.kubernetesVersion = status.kubernetesVersion
    row.configs = status.configs
  }
  if (view.servedConfigs !== undefined) row.servedConfigs = view.servedConfigs
  // A scope never pushed to has no revision to speak of.
  if (scope !== undefined && scope.headRevision > 0) {
    row.revision = scope.servedRevision
    row.pinned = scope.pinned
  }
  if (view.drift !== undefined) row.drift = view.drift
  // A refused heartbeat is the newest error there is; else the relay's own last error.
  const lastError =
    view.refused !== undefined
      ? { at: view.refused.at, message: `heartbeat refused: ${view.refused.message}` }
      : status?.lastError
  if (lastError !== undefined) row.lastError = lastError
  return row
}
