import { type Command, Option } from 'commander'
import type { ClusterStatusView, FleetClusterRow, FleetView } from '../shared/fleet-api.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { exampleHelp } from './help-example.ts'
import { readTokenFile, readTokenText } from './token-file.ts'
import { callWorker } from './worker-client.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface StatusFlags {
  readonly worker: string
  readonly cluster?: string
  readonly tokenFile?: string
  readonly output: 'text' | 'json'
}

/** Adds `status`: the fleet table (every cluster that reported), or one cluster in full. */
export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .summary(
      'show the fleet: each cluster, when it was last seen, its versions, revision and drift',
    )
    .description(
      'Show every cluster whose relay has reported: when the Worker last heard from it, its relay ' +
        'and Kubernetes versions, its configs, the revision its scope serves (and whether it is ' +
        'pinned), how many injected pods run a config other than the one served now (drift), and ' +
        'its last error. With --cluster, that cluster in full. Needs the fleet token ' +
        '(`sidecar-injector token --fleet`).',
    )
    .requiredOption('--worker <url>', 'base URL of the Worker')
    .option('--cluster <name>', 'show this cluster in full')
    .option('--token-file <path>', 'file holding the fleet token (else INJECTOR_FLEET_TOKEN)')
    .addOption(
      new Option('--output <format>', 'text (a table) or json (the API answer)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector status --worker https://sidecar-injector.example.workers.dev --token-file fleet-token',
      ]),
    )
    .action(async (flags: StatusFlags) => {
      const worker = parseWorkerUrl(flags.worker, { httpsOnly: false })
      const token = readFleetToken(flags.tokenFile, io)
      if (flags.cluster !== undefined) {
        const cluster = readCluster(flags.cluster)
        const view = await callWorker<ClusterStatusView>(io, {
          method: 'GET',
          url: `${worker}/v1/fleet/clusters/${cluster}`,
          token,
          tokenKind: 'fleet',
        })
        io.out(flags.output === 'json' ? `${JSON.stringify(view, null, 2)}\n` : formatCluster(view))
        return
      }
      const fleet = await callWorker<FleetView>(io, {
        method: 'GET',
        url: `${worker}/v1/fleet`,
        token,
        tokenKind: 'fleet',
      })
      io.out(flags.output === 'json' ? `${JSON.stringify(fleet, null, 2)}\n` : formatFleet(fleet))
    })
}

function readFleetToken(tokenFile: string | undefined, io: CliIo): string {
  if (tokenFile !== undefined) return readTokenFile(tokenFile, '--token-file')
  const text = io.env.INJECTOR_FLEET_TOKEN
  if (text === undefined || text.trim() === '') {
    throw new CliError(
      'no fleet token: pass --token-file or set INJECTOR_FLEET_TOKEN (sidecar-injector token --fleet)',
    )
  }
  return readTokenText(text, 'INJECTOR_FLEET_TOKEN')
}

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
