import type { ClusterStatusView, FleetClusterRow, FleetView } from '../shared/fleet-api.ts'

/** The fleet table: one line per cluster. */
export function formatFleet(fleet: FleetView): string {
  if (fleet.clusters.length === 0) return 'no cluster has reported yet\n'
  const rows = [
    ['CLUSTER', 'LAST SEEN', 'RELAY', 'KUBERNETES', 'CONFIGS', 'REVISION', 'DRIFT', 'LAST ERROR'],
    ...fleet.clusters.map(fleetLine),
  ]
  return table(rows)
}

function fleetLine(row: FleetClusterRow): string[] {
  const configs =
    row.configs === undefined
      ? '-'
      : `${row.configs.valid}/${row.configs.seen}${row.configs.invalid > 0 ? ` (${row.configs.invalid} invalid)` : ''}`
  const revision =
    row.revision === undefined ? '-' : `${row.revision}${row.pinned === true ? ' pinned' : ''}`
  const drift =
    row.drift === undefined
      ? '-'
      : `${row.drift.drifted} drifted, ${row.drift.unserved} unserved, ${row.drift.current} current`
  return [
    row.cluster,
    row.syncAgeSeconds === undefined ? 'never' : `${age(row.syncAgeSeconds)} ago`,
    row.relayVersion ?? '-',
    row.kubernetesVersion ?? '-',
    configs,
    revision,
    drift,
    row.lastError === undefined ? '' : oneLine(row.lastError.message),
  ]
}

/** One cluster in full: the fleet line's facts, one per line, then its pods per config@hash. */
export function formatCluster(view: ClusterStatusView): string {
  const lines = [`cluster: ${view.cluster}`]
  lines.push(
    `last seen: ${view.lastSeen === undefined ? 'never' : `${view.lastSeen} (${age(view.syncAgeSeconds ?? 0)} ago)`}`,
  )
  const { status, scope } = view
  if (status !== undefined) {
    lines.push(`relay: ${status.relayVersion} (${status.instance})`)
    lines.push(`kubernetes: ${status.kubernetesVersion ?? 'unknown'}`)
    lines.push(`watching: namespaces ${status.namespaces.join(',')}; labels ${status.labels}`)
    lines.push(
      `configs seen: ${status.configs.seen} (${status.configs.valid} valid, ${status.configs.invalid} invalid)`,
    )
    if (status.lastSuccessfulPush !== undefined)
      lines.push(`last push: ${status.lastSuccessfulPush}`)
    if (status.lastError !== undefined) {
      lines.push(`last error: ${status.lastError.at} ${oneLine(status.lastError.message)}`)
    }
  }
  if (view.refused !== undefined) {
    lines.push(`heartbeat refused: ${view.refused.at} ${oneLine(view.refused.message)}`)
  }
  if (scope !== undefined) {
    const pin = scope.pinned ? ', pinned (sidecar-injector unpin to serve new pushes)' : ''
    const pending = scope.publishPending ? ', publish pending' : ''
    lines.push(`serving: revision ${scope.servedRevision} of ${scope.headRevision}${pin}${pending}`)
  }
  if (view.servedConfigs !== undefined) lines.push(`configs served: ${view.servedConfigs}`)
  if (view.pods !== undefined && view.drift !== undefined) {
    const { drift } = view
    lines.push(
      `pods: ${view.pods.totalPods} listed at ${view.pods.listedAt}; ${drift.current} current, ${drift.drifted} drifted, ${drift.unserved} unserved`,
      '',
      table([
        ['CONFIG', 'HASH', 'PODS', 'STATE', 'SERVED'],
        ...view.pods.drift.map((r) => [r.config, r.hash, String(r.pods), r.state, r.served ?? '-']),
      ]).trimEnd(),
    )
  }
  return `${lines.join('\n')}\n`
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 120)
}
