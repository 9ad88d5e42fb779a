import type { Command } from 'commander'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { deriveFleet, deriveTokens, readCluster } from './cluster-tokens.ts'
import { exampleHelp } from './help-example.ts'

interface TokenFlags {
  cluster?: string
  only?: string
  fleet?: boolean
}

/** Adds `token`: prints a cluster's admit and sync tokens, derived from INJECTOR_SECRET. */
export function registerTokenCommand(program: Command, io: CliIo): void {
  program
    .command('token')
    .summary("print a cluster's admit and sync tokens, or the fleet token (needs INJECTOR_SECRET)")
    .description(
      "Print a cluster's tokens, derived from the Worker secret INJECTOR_SECRET in the environment: " +
        'the admit token (part of the webhook URL) and the sync token (for the relay and `push`). ' +
        "With --fleet, the fleet token instead, bare: it reads every cluster's status and the " +
        'fleet metrics (`status`, `/v1/fleet/metrics`), and nothing else. ' +
        'Nothing is sent anywhere; the Worker derives the same values.',
    )
    .option('--cluster <name>', 'cluster name (`shared` for the fleet-wide scope)')
    .option('--only <token>', 'print only the `admit` or the `sync` token, bare, for scripts')
    .option('--fleet', "print the fleet token, bare (instead of a cluster's tokens)")
    .addHelpText(
      'after',
      exampleHelp([
        'INJECTOR_SECRET=... sidecar-injector token --cluster prod-eu --only sync > sync-token',
        'INJECTOR_SECRET=... sidecar-injector token --fleet > fleet-token',
      ]),
    )
    .action(async (flags: TokenFlags) => {
      if (flags.fleet === true) {
        if (flags.cluster !== undefined || flags.only !== undefined) {
          throw new CliError(
            '--fleet: the fleet token is one for all clusters; drop --cluster and --only',
          )
        }
        io.out(`${await deriveFleet(io)}\n`)
        return
      }
      if (flags.cluster === undefined) {
        throw new CliError('--cluster <name> is required (or --fleet for the fleet token)')
      }
      const cluster = readCluster(flags.cluster)
      if (flags.only !== undefined && flags.only !== 'admit' && flags.only !== 'sync') {
        throw new CliError(`--only: expected "admit" or "sync", got "${flags.only}"`)
      }
      const tokens = await deriveTokens(cluster, io)
      if (flags.only === 'admit') io.out(`${tokens.admit}\n`)
      else if (flags.only === 'sync') io.out(`${tokens.sync}\n`)
      else io.out(`cluster: ${cluster}\nadmit: ${tokens.admit}\nsync: ${tokens.sync}\n`)
    })
}
