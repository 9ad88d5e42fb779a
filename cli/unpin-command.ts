import type { Command } from 'commander'
import type { PinResponse } from '../shared/revision-api.ts'
import type { CliIo } from './cli-io.ts'
import { exampleHelp } from './help-example.ts'
import { publishNote } from './rollback-command.ts'
import { addScopeOptions } from './scope-options.ts'
import { callWorker, readScopeApi, type ScopeFlags } from './worker-client.ts'

/** Adds `unpin`: ends a rollback's pin, serving the scope's latest push again. */
export function registerUnpinCommand(program: Command, io: CliIo): void {
  addScopeOptions(
    program
      .command('unpin')
      .summary('end a rollback: serve the latest push again, and the pushes after it')
      .description(
        'Unpin a scope pinned by `rollback`: the latest pushed revision is served again (as a ' +
          'new revision when it differs from the served one), and later pushes are served as ' +
          'they come.',
      ),
  )
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector unpin --worker https://sidecar-injector.example.workers.dev --cluster prod-eu --token-file sync-token',
      ]),
    )
    .action(async (flags: ScopeFlags) => {
      const api = readScopeApi(flags, io)
      const answer = await callWorker<PinResponse>(io, {
        method: 'POST',
        url: `${api.url}/unpin`,
        token: api.token,
      })
      const served = answer.changed
        ? `serving revision ${answer.servedRevision}, the latest push`
        : `revision ${answer.servedRevision} stays served`
      io.out(`${api.cluster}: unpinned; ${served}${publishNote(answer)}\n`)
    })
}
