import type { Command } from 'commander'
import { stringify } from 'yaml'
import { isDnsLabel, isDnsSubdomain } from '../shared/dns-name.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import { buildWebhookConfig } from '../shared/webhook-config.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { deriveTokens, readCluster } from './cluster-tokens.ts'
import { exampleHelp } from './help-example.ts'
import { readTokenFile } from './token-file.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface WebhookConfigFlags {
  worker: string
  cluster: string
  tokenFile?: string
  annotationNamespace: string
  relayNamespace: string
  excludeNamespace: string[]
}

/** Adds `webhook-config`: prints the cluster's MutatingWebhookConfiguration as YAML. */
export function registerWebhookConfigCommand(program: Command, io: CliIo): void {
  program
    .command('webhook-config')
    .summary('print the MutatingWebhookConfiguration that points a cluster at the Worker')
    .description(
      'Print the admissionregistration.k8s.io/v1 MutatingWebhookConfiguration for one cluster. ' +
        'The admit token in its URL is derived from INJECTOR_SECRET in the environment, or read ' +
        'from --token-file (which then takes precedence).',
    )
    .requiredOption('--worker <url>', 'base URL of the Worker (https)')
    .requiredOption('--cluster <name>', 'cluster name, as the relay of that cluster uses')
    .option(
      '--token-file <path>',
      "file holding the cluster's admit token (instead of INJECTOR_SECRET)",
    )
    .option(
      '--annotation-namespace <prefix>',
      'annotation prefix the Worker uses',
      DEFAULT_INJECTION_SETTINGS.annotationNamespace,
    )
    .option(
      '--relay-namespace <namespace>',
      "the relay's namespace (never injected)",
      'sidecar-injector',
    )
    .option(
      '--exclude-namespace <namespace>',
      'another namespace never to inject (repeatable)',
      collect,
      [],
    )
    .addHelpText(
      'after',
      exampleHelp([
        'INJECTOR_SECRET=... sidecar-injector webhook-config --worker https://sidecar-injector.example.workers.dev --cluster prod-eu | kubectl apply -f -',
      ]),
    )
    .action(async (flags: WebhookConfigFlags) => {
      const workerUrl = parseWorkerUrl(flags.worker, { httpsOnly: true })
      const cluster = readCluster(flags.cluster)
      if (!isDnsSubdomain(flags.annotationNamespace)) {
        throw new CliError(
          `--annotation-namespace: "${flags.annotationNamespace}" must be a DNS subdomain such as ${DEFAULT_INJECTION_SETTINGS.annotationNamespace}`,
        )
      }
      const extra = [flags.relayNamespace, ...flags.excludeNamespace]
      for (const namespace of extra) {
        if (!isDnsLabel(namespace)) {
          throw new CliError(`namespace "${namespace}" is not a valid Kubernetes namespace name`)
        }
      }
      const admitToken =
        flags.tokenFile === undefined
          ? (await deriveTokens(cluster, io)).admit
          : readTokenFile(flags.tokenFile, '--token-file')
      const config = buildWebhookConfig({
        workerUrl,
        cluster,
        admitToken,
        annotationNamespace: flags.annotationNamespace,
        // The control plane's own namespaces (the Worker's default ignored ones) never reach it.
        excludedNamespaces: [
          ...new Set([...DEFAULT_INJECTION_SETTINGS.ignoredNamespaces, ...extra]),
        ],
      })
      io.out(stringify(config, { lineWidth: 0, aliasDuplicateObjects: false }))
    })
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}
