import type { Command } from 'commander'
import { SHARED_SCOPE } from '../shared/cluster-name.ts'
import { isDnsLabel, isDnsSubdomain } from '../shared/dns-name.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import { buildValidatingWebhookConfig, buildWebhookConfig } from '../shared/webhook-config.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { deriveTokens, readCluster } from './cluster-tokens.ts'
import { configMapLabelsOption, readConfigMapLabels } from './configmap-labels.ts'
import { exampleHelp } from './help-example.ts'
import { stringifyManifest } from './manifest-yaml.ts'
import { readTokenFile } from './token-file.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface WebhookConfigFlags {
  worker: string
  cluster: string
  tokenFile?: string
  annotationNamespace: string
  relayNamespace: string
  excludeNamespace: string[]
  configmapLabels: string[]
}

/**
 * Adds `webhook-config`: prints the cluster's MutatingWebhookConfiguration (inject sidecars into
 * pods) and ValidatingWebhookConfiguration (refuse broken sidecar ConfigMaps) as YAML.
 */
export function registerWebhookConfigCommand(program: Command, io: CliIo): void {
  program
    .command('webhook-config')
    .summary('print the webhook configurations that point a cluster at the Worker')
    .description(
      'Print the admissionregistration.k8s.io/v1 MutatingWebhookConfiguration (injects sidecars ' +
        'into pods) and ValidatingWebhookConfiguration (refuses a sidecar ConfigMap the Worker ' +
        'would reject, at kubectl apply) for one cluster, as two YAML documents. The admit token ' +
        'in their URLs is derived from INJECTOR_SECRET in the environment, or read from ' +
        '--token-file (which then takes precedence).',
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
    .addOption(configMapLabelsOption())
    .addHelpText(
      'after',
      exampleHelp([
        'INJECTOR_SECRET=... sidecar-injector webhook-config --worker https://sidecar-injector.example.workers.dev --cluster prod-eu | kubectl apply -f -',
      ]),
    )
    .action(async (flags: WebhookConfigFlags) => {
      const workerUrl = parseWorkerUrl(flags.worker, { httpsOnly: true })
      const cluster = readCluster(flags.cluster)
      if (cluster === SHARED_SCOPE) {
        throw new CliError(
          `--cluster: "${SHARED_SCOPE}" is the fleet-wide config scope, not a cluster; give the name of the cluster whose API server calls the Worker`,
        )
      }
      const configMapLabels = readConfigMapLabels(flags.configmapLabels)
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
      const mutating = buildWebhookConfig({
        workerUrl,
        cluster,
        admitToken,
        annotationNamespace: flags.annotationNamespace,
        // The control plane's own namespaces (the Worker's default ignored ones) never reach it.
        excludedNamespaces: [
          ...new Set([...DEFAULT_INJECTION_SETTINGS.ignoredNamespaces, ...extra]),
        ],
      })
      const validating = buildValidatingWebhookConfig({
        workerUrl,
        cluster,
        admitToken,
        annotationNamespace: flags.annotationNamespace,
        configMapLabels,
      })
      io.out(`${stringifyManifest(mutating)}---\n${stringifyManifest(validating)}`)
    })
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}
