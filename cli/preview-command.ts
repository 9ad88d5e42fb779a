import { webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { parseAllDocuments } from 'yaml'
import {
  type ClusterFacts,
  checkClusterFactsPush,
  checkKubernetesVersionText,
  clusterFactsFrom,
} from '../shared/cluster-facts.ts'
import { hashContent } from '../shared/content-hash.ts'
import { decideAdmission } from '../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import { isJsonObject, type JsonObject } from '../shared/json.ts'
import { applyPatch } from '../shared/patch-apply.ts'
import { extractPod, replacePod } from '../shared/pod-template.ts'
import { buildPreviewRequest, type PreviewRequest } from '../shared/preview-request.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import type { Decision, SidecarRef } from '../shared/types.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { readCluster } from './cluster-tokens.ts'
import { checkConfigs, formatFinding } from './config-set.ts'
import { configMapLabelsOption, readConfigMapLabels } from './configmap-labels.ts'
import { readConfigDocuments } from './document-reader.ts'
import { exampleHelp } from './help-example.ts'
import { stringifyManifest } from './manifest-yaml.ts'
import { callWorker, readSyncToken } from './worker-client.ts'
import { parseWorkerUrl } from './worker-url.ts'

interface PreviewFlags {
  config: string[]
  pod: string
  patch: boolean
  explain: boolean
  namespace?: string
  annotationNamespace: string
  ignoreNamespace: string[]
  allowHostAccess: boolean
  configmapLabels: string[]
  worker?: string
  cluster?: string
  tokenFile?: string
  kubernetesVersion?: string
  clusterLabel: string[]
  namespaceDefault?: string
}

/** The decision and the Pod after it, however it was reached. */
interface Outcome {
  readonly decision: Decision
  readonly pod: JsonObject
}

/** Adds `preview`: the Worker's admission decision for a pod, offline or from the Worker itself. */
export function registerPreviewCommand(program: Command, io: CliIo): void {
  program
    .command('preview')
    .summary('show what the Worker would inject into a pod')
    .description(
      'Run the decision and patch the Worker runs, offline on --config files, or on the Worker ' +
        'itself with the configs it holds (--worker, --cluster and the sync token; nothing is ' +
        'stored). --pod takes a Pod or a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or ' +
        'CronJob (its pod template is used). Prints the mutated object as YAML, or the JSON Patch ' +
        '(--patch), or the decision and its reasons (--explain).',
    )
    .requiredOption('--pod <file>', 'the Pod or workload manifest (one YAML or JSON document)')
    .option(
      '--config <path>',
      'config file, ConfigMap manifest or folder (repeatable)',
      collect,
      [],
    )
    .option('--patch', 'print the JSON Patch instead of the mutated object', false)
    .option('--explain', 'print the decision, its reason and warnings instead', false)
    .option(
      '--namespace <name>',
      "namespace the pod is created in (default: the manifest's, else default)",
    )
    .option(
      '--annotation-namespace <prefix>',
      'offline: annotation prefix, as the Worker',
      DEFAULT_INJECTION_SETTINGS.annotationNamespace,
    )
    .option(
      '--ignore-namespace <name>',
      'offline: namespaces never injected (repeatable)',
      collect,
      [],
    )
    .option(
      '--allow-host-access',
      'offline: accept host access, as a Worker with INJECTOR_ALLOW_HOST_ACCESS=true',
      false,
    )
    .addOption(configMapLabelsOption())
    .option(
      '--kubernetes-version <version>',
      "the cluster's Kubernetes version (v1.29.3), for sidecarMode: auto (default: offline unknown, on the Worker the reported one)",
    )
    .option(
      '--cluster-label <key=value>',
      `offline: a cluster label, for \${cluster.labels.<key>} (repeatable)`,
      collect,
      [],
    )
    .option(
      '--namespace-default <request>',
      "offline: the request the pod's namespace gives pods without one (its {annotation namespace}/request)",
    )
    .option('--worker <url>', 'ask this Worker instead, with the configs it holds for --cluster')
    .option(
      '--cluster <name>',
      `with --worker: the cluster whose configs (and \`shared\`) to use; offline: the \${cluster.name} (default preview)`,
    )
    .option(
      '--token-file <path>',
      "with --worker: the cluster's sync token (else INJECTOR_SYNC_TOKEN)",
    )
    .addHelpText(
      'after',
      exampleHelp(
        [
          'sidecar-injector preview --config examples/configs/ --pod docs/examples/pod.yaml --explain',
          'sidecar-injector preview --worker https://sidecar-injector.example.workers.dev --cluster prod-eu --token-file sync-token --pod pod.yaml --explain',
        ],
        `Offline, ${DEFAULT_INJECTION_SETTINGS.ignoredNamespaces.join(' and ')} are ignored unless --ignore-namespace says otherwise.`,
      ),
    )
    .action(async (flags: PreviewFlags) => {
      if (flags.patch && flags.explain) throw new CliError('--patch and --explain: choose one')
      const object = readObject(flags.pod)
      const extracted = extractPod(object)
      if (!extracted.ok) throw new CliError(`--pod ${flags.pod}: ${extracted.message}`)
      const request = buildPreviewRequest(extracted.pod, flags.namespace)
      const { namespace } = request
      const outcome =
        flags.worker === undefined
          ? await decideOffline(flags, request)
          : await decideOnWorker(flags, flags.worker, object, namespace, io)
      const { decision } = outcome
      if (flags.explain) {
        io.out(explain(decision, namespace))
        return
      }
      if (flags.patch) {
        io.out(`${JSON.stringify(decision.kind === 'inject' ? decision.patch : [], null, 2)}\n`)
      } else {
        const mutated = replacePod(object, outcome.pod)
        io.out(stringifyManifest(mutated))
      }
      // Say on stderr why nothing changed, so stdout stays a clean manifest or patch.
      if (decision.kind === 'skip')
        io.err(`not injected (${decision.reason}): ${decision.detail}\n`)
      for (const warning of decision.warnings) io.err(`warning: ${warning}\n`)
    })
}

async function decideOffline(flags: PreviewFlags, request: PreviewRequest): Promise<Outcome> {
  if (flags.config.length === 0) {
    throw new CliError('pass --config (local configs) or --worker and --cluster (the Worker’s)')
  }
  const { documents, problems } = readConfigDocuments(flags.config, {
    configMapLabels: readConfigMapLabels(flags.configmapLabels),
  })
  const { configs, findings } = checkConfigs(documents, problems, flags)
  const [finding] = findings
  if (finding !== undefined) {
    throw new CliError(`${formatFinding(finding)} (see \`sidecar-injector validate\`)`)
  }
  const settings = {
    annotationNamespace: flags.annotationNamespace,
    ignoredNamespaces:
      flags.ignoreNamespace.length > 0
        ? flags.ignoreNamespace
        : DEFAULT_INJECTION_SETTINGS.ignoredNamespaces,
    allowHostAccess: flags.allowHostAccess,
  }
  // Hashed as the Worker hashes what it stores, so the preview stamps the pod as the Worker would.
  const hashes = new Map(
    await Promise.all(
      [...configs].map(
        async ([ref, config]) =>
          [ref, await hashContent(JSON.stringify(config), webcrypto.subtle)] as const,
      ),
    ),
  )
  const lookup = Object.assign((ref: SidecarRef) => configs.get(formatSidecarRef(ref)), {
    hashOf: (ref: string) => hashes.get(ref),
  })
  const cluster = offlineCluster(flags, request.namespace)
  const decision = decideAdmission(request, settings, lookup, undefined, cluster)
  const pod = request.object
  return { decision, pod: decision.kind === 'inject' ? applyPatch(pod, decision.patch) : pod }
}

/** The cluster an offline preview pretends the pod is in, from the flags. */
function offlineCluster(flags: PreviewFlags, namespace: string): ClusterFacts {
  const labels: Record<string, string> = {}
  for (const pair of flags.clusterLabel) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new CliError(`--cluster-label: "${pair}" is not key=value`)
    const value = pair.slice(eq + 1).trim()
    Object.defineProperty(labels, pair.slice(0, eq).trim(), { value, enumerable: true })
  }
  const defaults: Record<string, string> = {}
  if (flags.namespaceDefault !== undefined) defaults[namespace] = flags.namespaceDefault
  const pushed = checkClusterFactsPush({ labels, namespaceDefaults: defaults })
  if (!pushed.ok) {
    const message = pushed.message
      .replace(/^cluster\.labels\./, '--cluster-label ')
      .replace(/^cluster\.namespaceDefaults\.[^:]*/, '--namespace-default')
    throw new CliError(message)
  }
  const name = flags.cluster === undefined ? 'preview' : readCluster(flags.cluster)
  const version = readVersion(flags)
  return clusterFactsFrom(name, {
    ...pushed.facts,
    ...(version === undefined ? {} : { kubernetesVersion: version }),
  })
}

function readVersion(flags: PreviewFlags): string | undefined {
  const version = flags.kubernetesVersion
  if (version === undefined) return undefined
  const problem = checkKubernetesVersionText(version)
  if (problem !== undefined) throw new CliError(`--kubernetes-version: ${problem}`)
  return version
}

async function decideOnWorker(
  flags: PreviewFlags,
  worker: string,
  object: JsonObject,
  namespace: string,
  io: CliIo,
): Promise<Outcome> {
  if (flags.config.length > 0) throw new CliError('--config and --worker: choose one')
  if (flags.clusterLabel.length > 0 || flags.namespaceDefault !== undefined) {
    throw new CliError(
      '--cluster-label and --namespace-default are for offline previews; the Worker uses what the relay pushed',
    )
  }
  const version = readVersion(flags)
  const query = version === undefined ? '' : `?kubernetesVersion=${encodeURIComponent(version)}`
  if (flags.cluster === undefined) throw new CliError('--worker needs --cluster')
  const workerUrl = parseWorkerUrl(worker, { httpsOnly: false })
  const cluster = readCluster(flags.cluster)
  const token = readSyncToken(flags.tokenFile, io)
  // The Worker reads the namespace from the manifest, as the API server would.
  const metadata = isJsonObject(object.metadata) ? object.metadata : {}
  const body: JsonObject = { ...object, metadata: { ...metadata, namespace } }
  const answer = await callWorker<Outcome>(io, {
    method: 'POST',
    url: `${workerUrl}/v1/clusters/${cluster}/preview${query}`,
    token,
    body,
  })
  return { decision: answer.decision, pod: answer.pod }
}

function readObject(path: string): JsonObject {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new CliError(`--pod: cannot read ${path} (${code})`)
  }
  const documents = parseAllDocuments(text)
  if (!Array.isArray(documents) || documents.length !== 1) {
    throw new CliError(`--pod ${path}: expected exactly one YAML or JSON document`)
  }
  const [document] = documents
  const error = document?.errors[0]
  if (error !== undefined)
    throw new CliError(`--pod ${path}: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`)
  const value: unknown = document?.toJS()
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`--pod ${path}: expected a Kubernetes object`)
  }
  return value as JsonObject
}

function explain(decision: Decision, namespace: string): string {
  const lines = [`namespace: ${namespace}`]
  if (decision.kind === 'inject') {
    lines.push('decision: inject', `configs: ${decision.configs.join(', ')}`)
    lines.push(`patch: ${decision.patch.length} operation${decision.patch.length === 1 ? '' : 's'}`)
  } else {
    lines.push('decision: skip', `reason: ${decision.reason}`, `detail: ${decision.detail}`)
  }
  for (const note of decision.notes ?? []) lines.push(`note: ${note}`)
  for (const warning of decision.warnings) lines.push(`warning: ${warning}`)
  return `${lines.join('\n')}\n`
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}
