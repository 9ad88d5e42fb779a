import type { Command } from 'commander'
import type { ForgetAnswer } from '../shared/fleet-api.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { readFleetToken } from './fleet-token.ts'
import { exampleHelp } from './help-example.ts'
import { callWorker } from './worker-client.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface ForgetFlags {
  readonly worker: string
  readonly cluster: string
  readonly tokenFile?: string
}

/** Adds `forget`: drops a decommissioned cluster from the fleet registry. */
export function registerForgetCommand(program: Command, io: CliIo): void {
  program
    .command('forget')
    .summary('drop a cluster from the fleet view and metrics (its configs and history stay)')
    .description(
      'Remove a cluster from the fleet registry: its last heartbeat, pod report and admission ' +
        'counts, so `status` and the metrics no longer show it. Its scope (configs, revisions) ' +
        'is left as it is; clear it with `push --allow-empty`. A relay still running registers ' +
        'the cluster again with its next heartbeat. Needs the fleet token.',
    )
    .requiredOption('--worker <url>', 'base URL of the Worker')
    .requiredOption('--cluster <name>', 'the cluster to forget')
    .option('--token-file <path>', 'file holding the fleet token (else INJECTOR_FLEET_TOKEN)')
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector forget --worker https://sidecar-injector.example.workers.dev --cluster old-eu --token-file fleet-token',
      ]),
    )
    .action(async (flags: ForgetFlags) => {
      const worker = parseWorkerUrl(flags.worker, { httpsOnly: false })
      const token = readFleetToken(flags.tokenFile, io)
      const cluster = readCluster(flags.cluster)
      const answer = await callWorker<ForgetAnswer>(io, {
        method: 'DELETE',
        url: `${worker}/v1/fleet/clusters/${cluster}`,
        token,
        tokenKind: 'fleet',
      })
      io.out(
        `${answer.cluster}: forgotten (${answer.admissionSeries} admission series removed); its configs and history are kept\n`,
      )
    })
}
