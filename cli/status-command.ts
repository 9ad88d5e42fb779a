import { type Command, Option } from 'commander'
import type { ClusterStatusView, FleetView } from '../shared/fleet-api.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { formatCluster, formatFleet } from './fleet-table.ts'
import { readFleetToken } from './fleet-token.ts'
import { exampleHelp } from './help-example.ts'
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
