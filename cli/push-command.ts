import type { Command } from 'commander'
import type { IngestRequest, IngestResponse, IngestResult } from '../shared/ingest-api.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { configMapLabelsOption, readConfigMapLabels } from './configmap-labels.ts'
import { readConfigDocuments } from './document-reader.ts'
import { exampleHelp } from './help-example.ts'
import { callWorker, readSyncToken } from './worker-client.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface PushFlags {
  configmapLabels: string[]
  worker: string
  cluster: string
  tokenFile?: string
  allowEmpty: boolean
}

/** Adds `push`: sends a full set of configs to one scope of the Worker through the ingest API. */
export function registerPushCommand(program: Command, io: CliIo): void {
  program
    .command('push')
    .summary("replace a cluster's (or the shared scope's) configs in the Worker")
    .description(
      'Push sidecar configs (files, folders, ConfigMap manifests) to the Worker in one request. ' +
        'The pushed set replaces the whole scope: configs not in it are removed. Use it for GitOps ' +
        'without a relay and for the fleet-wide scope (--cluster shared). The sync token comes from ' +
        '--token-file or the INJECTOR_SYNC_TOKEN environment variable.',
    )
    .argument('<paths...>', 'files or folders holding the full set')
    .requiredOption('--worker <url>', 'base URL of the Worker')
    .requiredOption('--cluster <name>', 'scope to replace: a cluster name, or `shared`')
    .option('--token-file <path>', "file holding the scope's sync token (else INJECTOR_SYNC_TOKEN)")
    .option(
      '--allow-empty',
      'allow pushing an empty set, which removes every config of the scope',
      false,
    )
    .addOption(configMapLabelsOption())
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector push --worker https://sidecar-injector.example.workers.dev --cluster shared --token-file shared-sync-token sidecars/',
      ]),
    )
    .action(async (paths: string[], flags: PushFlags) => {
      const workerUrl = parseWorkerUrl(flags.worker, { httpsOnly: false })
      const cluster = readCluster(flags.cluster)
      const token = readSyncToken(flags.tokenFile, io)
      const { documents, problems } = readConfigDocuments(paths, {
        configMapLabels: readConfigMapLabels(flags.configmapLabels),
      })
      const [problem] = problems
      if (problem !== undefined) {
        // A partial set would delete configs from the scope: refuse to push it.
        throw new CliError(`${problem.label}: ${problem.message} (nothing pushed)`)
      }
      if (documents.length === 0 && !flags.allowEmpty) {
        throw new CliError(
          `no configs found in ${paths.join(', ')}; pass --allow-empty to clear the scope`,
        )
      }
      const body: IngestRequest = {
        configs: documents.map(({ text, source }) => ({ text, source })),
      }
      const response = await callWorker<IngestResponse>(io, {
        method: 'PUT',
        url: `${workerUrl}/v1/clusters/${cluster}/configs`,
        token,
        body,
      })
      const labels = documents.map((d) => d.label)
      for (const result of response.results) io.out(`${formatResult(result, labels)}\n`)
      for (const ref of response.removed) io.out(`removed   ${ref}\n`)
      const rejected = response.results.filter((r) => r.status === 'rejected').length
      io.out(`${cluster}: ${pushSummary(cluster, response)}\n`)
      if (rejected > 0)
        throw new CliError(`${rejected} config${rejected === 1 ? '' : 's'} rejected`)
    })
}

/** What the push came to: the counts, the revision, and whether the Worker serves it yet. */
function pushSummary(cluster: string, response: IngestResponse): string {
  const counts = response.unchanged
    ? 'unchanged'
    : `${response.stored.length} stored, ${response.removed.length} removed`
  if (response.pinned) {
    return `${counts}; revision ${response.revision}; ${kvCost(response.kvOps)}; recorded but not served: the scope is pinned by a rollback until \`sidecar-injector unpin --cluster ${cluster}\``
  }
  // KV takes one write a second to a scope: the scope's object publishes a quick second push
  // a moment later.
  const pending = response.published ? '' : ', served within seconds'
  return `${counts}; revision ${response.revision}${pending}; ${kvCost(response.kvOps)}`
}

/** What the push cost in Workers KV operations, as the Worker counted them. */
function kvCost(kvOps: IngestResponse['kvOps']): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return `KV ${plural(kvOps.reads, 'read')}, ${plural(kvOps.writes, 'write')}`
}

function formatResult(result: IngestResult, labels: readonly string[]): string {
  const label = labels[result.index] ?? `entry ${result.index}`
  if (result.status === 'accepted') {
    const notes = (result.notes ?? []).map(
      (n) => `\n  note: ${n.path === '' ? n.message : `${n.path}: ${n.message}`}`,
    )
    return `accepted  ${result.ref}  ${label}${notes.join('')}`
  }
  const issues = result.issues
    .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
    .join('; ')
  return `rejected  ${result.ref ?? '?'}  ${label}: ${issues}`
}
