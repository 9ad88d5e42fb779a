import { type Command, Option } from 'commander'
import type { RevisionList, RevisionSummary } from '../shared/revision-api.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { exampleHelp } from './help-example.ts'
import { addScopeOptions } from './scope-options.ts'
import { callWorker, readScopeApi, type ScopeFlags } from './worker-client.ts'

interface HistoryFlags extends ScopeFlags {
  readonly output: 'text' | 'json'
  readonly limit: string
}

/** Adds `history`: lists a scope's revisions, newest first, and which one is served. */
export function registerHistoryCommand(program: Command, io: CliIo): void {
  addScopeOptions(
    program
      .command('history')
      .summary("list a scope's revisions: when, who, what changed, which one is served")
      .description(
        'List the revisions of a scope, newest first: each push that changed something, each ' +
          'rollback and unpin, with its time, who made it (the relay instance, or cli), how many ' +
          'configs it added, changed and removed, and which revision the Worker serves. ' +
          '`rollback --to <revision>` serves an older one.',
      ),
  )
    .addOption(
      new Option('--output <format>', 'text (a table) or json (the API answer)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option('--limit <n>', 'how many revisions to list, newest first (1 to 1000)', '20')
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector history --worker https://sidecar-injector.example.workers.dev --cluster prod-eu --token-file sync-token',
      ]),
    )
    .action(async (flags: HistoryFlags) => {
      const limit = Number(flags.limit)
      if (!/^\d+$/.test(flags.limit) || limit < 1 || limit > 1000) {
        throw new CliError(`--limit: "${flags.limit}" is not a whole number from 1 to 1000`)
      }
      const api = readScopeApi(flags, io)
      const list = await callWorker<RevisionList>(io, {
        method: 'GET',
        url: `${api.url}/revisions?limit=${limit}`,
        token: api.token,
      })
      io.out(flags.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : formatHistory(list))
    })
}

/** The history as a table under one line on what the scope serves. */
export function formatHistory(list: RevisionList): string {
  if (list.headRevision === 0) return `${list.cluster}: no revisions yet\n`
  const pin = list.pinned
    ? `; pinned: pushes are recorded, not served, until \`sidecar-injector unpin --cluster ${list.cluster}\``
    : ''
  const pending = list.publishPending ? ' (its KV publish is pending)' : ''
  const lines = [`${list.cluster}: serving revision ${list.servedRevision}${pending}${pin}`]
  const rows = [
    ['REVISION', 'TIME', 'ORIGIN', 'BY', 'CONFIGS', 'ADDED', 'CHANGED', 'REMOVED', ''],
    ...list.revisions.map(row),
  ]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  for (const r of rows) {
    lines.push(
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
  }
  if (list.next !== undefined) lines.push(`older revisions: raise --limit (at most 1000)`)
  return `${lines.join('\n')}\n`
}

function row(r: RevisionSummary): string[] {
  const origin = r.from === undefined ? r.origin : `${r.origin} of ${r.from}`
  return [
    String(r.revision),
    r.at,
    origin,
    r.instance,
    String(r.configs),
    String(r.added),
    String(r.changed),
    String(r.removed),
    [r.served ? 'served' : '', r.factsChanged === true ? 'cluster facts changed' : '']
      .filter((note) => note !== '')
      .join(', '),
  ]
}
