import type { Command } from 'commander'
import type { PinResponse, RollbackRequest } from '../shared/revision-api.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { exampleHelp } from './help-example.ts'
import { addScopeOptions } from './scope-options.ts'
import { callWorker, readScopeApi, type ScopeFlags } from './worker-client.ts'

interface RollbackFlags extends ScopeFlags {
  readonly to: string
}

/** Adds `rollback`: serves an older revision of a scope and pins the scope until `unpin`. */
export function registerRollbackCommand(program: Command, io: CliIo): void {
  addScopeOptions(
    program
      .command('rollback')
      .summary('serve an older revision of a scope, and pin it there until `unpin`')
      .description(
        'Serve the configs of an older revision (see `history`) as a new revision, and pin the ' +
          "scope: the relay's pushes are still recorded, but not served until `unpin`, so its " +
          'next full push does not undo the rollback. A rollback to the configs already served ' +
          'records nothing and writes nothing, but pins the scope.',
      ),
  )
    .requiredOption('--to <revision>', 'the revision whose configs to serve')
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector rollback --worker https://sidecar-injector.example.workers.dev --cluster prod-eu --token-file sync-token --to 41',
      ]),
    )
    .action(async (flags: RollbackFlags) => {
      const revision = Number(flags.to)
      if (!/^\d+$/.test(flags.to) || !Number.isSafeInteger(revision) || revision < 1) {
        throw new CliError(`--to: "${flags.to}" is not a revision number (1 or more)`)
      }
      const api = readScopeApi(flags, io)
      const body: RollbackRequest = { revision }
      const answer = await callWorker<PinResponse>(io, {
        method: 'POST',
        url: `${api.url}/rollback`,
        token: api.token,
        body,
      })
      const served = answer.changed
        ? `serving revision ${answer.servedRevision}, the configs of revision ${revision}`
        : `the configs of revision ${revision} are served already (revision ${answer.servedRevision}); nothing written`
      io.out(
        `${api.cluster}: ${served}${publishNote(answer)}; pinned: pushes are recorded, not served, until \`sidecar-injector unpin --cluster ${api.cluster}\`\n`,
      )
    })
}

/** Says when the served revision is not in KV yet (its publish is retried until it lands). */
export function publishNote(answer: Pick<PinResponse, 'published'>): string {
  return answer.published ? '' : ' (its KV publish is pending and retried)'
}
