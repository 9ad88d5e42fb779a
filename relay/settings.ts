import { Command, CommanderError } from 'commander'
import { MAX_CLUSTER_LABELS } from '../shared/cluster-facts.ts'
import { parseClusterName, SHARED_SCOPE } from '../shared/cluster-name.ts'
import { isDnsSubdomain } from '../shared/dns-name.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import {
  DEFAULT_CONFIGMAP_LABELS,
  mergeLabelSelectors,
  parseLabelSelector,
} from '../shared/label-selector.ts'
import { isLoopbackHost } from '../shared/loopback-host.ts'
import { parseDuration } from './duration.ts'

/** Which namespaces the relay watches. */
export type NamespaceSelection =
  | { readonly all: true }
  | { readonly all: false; readonly names: readonly string[] }

/** The relay's validated settings. */
export interface RelaySettings {
  readonly cluster: string
  /** The scope pushes go to: the cluster's own, or `shared` (the fleet scope). */
  readonly scope: string
  /** Worker base URL without a trailing slash. */
  readonly workerUrl: string
  readonly tokenFile: string
  readonly namespaces: NamespaceSelection
  readonly labels: Readonly<Record<string, string>>
  readonly kubeconfig?: string | undefined
  readonly masterUrl?: string | undefined
  readonly lifecyclePort: number
  readonly resyncMs: number
  readonly debounceMs: number
  readonly debounceMaxMs: number
  readonly watchIdleTimeoutMs: number
  readonly backoffMaxMs: number
  /** Period of the cluster status heartbeat (one is also sent on change). */
  readonly heartbeatIntervalMs: number
  /** Whether pods are listed cluster-wide and counted per config@hash (`--report-pods`). */
  readonly reportPods: boolean
  readonly reportPodsIntervalMs: number
  /** `limit` of each pod list page. */
  readonly reportPodsPageSize: number
  /** The Worker's annotation namespace: the stamp read is `{it}/injected`. */
  readonly annotationNamespace: string
  /** `--cluster-labels`: sent as `cluster.labels` with every push; undefined when not given. */
  readonly clusterLabels?: Readonly<Record<string, string>> | undefined
  /** `--namespace-defaults`: watch namespaces and push their `{annotation namespace}/request`. */
  readonly namespaceDefaults: boolean
}

/** A bad or missing setting; the message names the flag and its environment variable. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError'
}

/** `--help` was asked for: not an error; the caller prints `text` and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested'
  readonly text: string
  constructor(text: string) {
    super('help requested')
    this.text = text
  }
}

const HELP_EXAMPLE = `
Every flag can also be set by its environment variable; a flag wins over the variable.
tumblr/k8s-sidecar-injector's CONFIGMAP_NAMESPACE, CONFIGMAP_LABELS and LIFECYCLE_PORT are
read too, after the RELAY_ variables.

Example:
  relay --cluster prod-eu --worker-url https://injector.example.workers.dev \\
    --token-file /var/run/secrets/injector/sync-token \\
    --configmap-namespace sidecar-injector --configmap-labels app=k8s-sidecar-injector
`

/** Where defaults that live outside the command line come from. */
export interface SettingsSources {
  readonly env: Readonly<Record<string, string | undefined>>
  /** The namespace the pod runs in (service-account mount), or undefined outside a cluster. */
  readonly podNamespace: () => string | undefined
}

interface FlagSpec {
  readonly flag: string
  readonly env: string
  /** tumblr/k8s-sidecar-injector's variable for the same setting, read when `env` is unset. */
  readonly tumblrEnv?: string
  readonly description: string
  readonly fallback?: string
  /** Given more than once on the command line, the values add up (tumblr's --configmap-labels). */
  readonly repeatable?: boolean
  /** A switch: `--flag` alone means true; `--flag=false` and the variable take true or false. */
  readonly boolean?: boolean
}

// One table for flags, variables and defaults: the command line is a published contract.
const FLAGS = {
  cluster: { flag: 'cluster', env: 'RELAY_CLUSTER', description: 'cluster name (required)' },
  workerUrl: { flag: 'worker-url', env: 'RELAY_WORKER_URL', description: 'Worker base URL' },
  tokenFile: {
    flag: 'token-file',
    env: 'RELAY_TOKEN_FILE',
    description: 'file with the sync token',
  },
  scope: {
    flag: 'scope',
    env: 'RELAY_SCOPE',
    description: '"cluster" or "shared" (the fleet scope)',
    fallback: 'cluster',
  },
  namespace: {
    flag: 'configmap-namespace',
    env: 'RELAY_CONFIGMAP_NAMESPACE',
    tumblrEnv: 'CONFIGMAP_NAMESPACE',
    description: 'namespace(s) to watch: a name, a comma list, or * (default: own namespace)',
  },
  labels: {
    flag: 'configmap-labels',
    env: 'RELAY_CONFIGMAP_LABELS',
    tumblrEnv: 'CONFIGMAP_LABELS',
    description: 'label selector k=v[,k2=v2]; repeatable, every pair must match',
    fallback: DEFAULT_CONFIGMAP_LABELS,
    repeatable: true,
  },
  kubeconfig: { flag: 'kubeconfig', env: 'RELAY_KUBECONFIG', description: 'kubeconfig path' },
  masterUrl: { flag: 'master-url', env: 'RELAY_MASTER_URL', description: 'API server URL' },
  lifecyclePort: {
    flag: 'lifecycle-port',
    env: 'RELAY_LIFECYCLE_PORT',
    tumblrEnv: 'LIFECYCLE_PORT',
    description: 'port of /healthz, /readyz, /metrics',
    fallback: '9000',
  },
  resync: { flag: 'resync', env: 'RELAY_RESYNC', description: 'full push period', fallback: '5m' },
  debounce: {
    flag: 'debounce',
    env: 'RELAY_DEBOUNCE',
    description: 'quiet time',
    fallback: '250ms',
  },
  debounceMax: {
    flag: 'debounce-max',
    env: 'RELAY_DEBOUNCE_MAX',
    description: 'longest debounce delay',
    fallback: '2s',
  },
  watchIdleTimeout: {
    flag: 'watch-idle-timeout',
    env: 'RELAY_WATCH_IDLE_TIMEOUT',
    description: 'replace a watch silent for this long',
    fallback: '5m',
  },
  backoffMax: {
    flag: 'backoff-max',
    env: 'RELAY_BACKOFF_MAX',
    description: 'longest retry delay',
    fallback: '30s',
  },
  heartbeatInterval: {
    flag: 'heartbeat-interval',
    env: 'RELAY_HEARTBEAT_INTERVAL',
    description: 'cluster status heartbeat period (also sent on change)',
    fallback: '60s',
  },
  reportPods: {
    flag: 'report-pods',
    env: 'RELAY_REPORT_PODS',
    description:
      'list pod metadata cluster-wide and report injected pods per config@hash (needs list on pods)',
    fallback: 'false',
    boolean: true,
  },
  reportPodsInterval: {
    flag: 'report-pods-interval',
    env: 'RELAY_REPORT_PODS_INTERVAL',
    description: 'pod report period',
    fallback: '5m',
  },
  reportPodsPageSize: {
    flag: 'report-pods-page-size',
    env: 'RELAY_REPORT_PODS_PAGE_SIZE',
    description: 'pods per list page (limit), 1-5000',
    fallback: '500',
  },
  annotationNamespace: {
    flag: 'annotation-namespace',
    env: 'RELAY_ANNOTATION_NAMESPACE',
    description: "the Worker's INJECTOR_ANNOTATION_NAMESPACE: stamps are read from {it}/injected",
    fallback: DEFAULT_INJECTION_SETTINGS.annotationNamespace,
  },
  clusterLabels: {
    flag: 'cluster-labels',
    env: 'RELAY_CLUSTER_LABELS',
    description:
      "this cluster's labels k=v[,k2=v2], sent with every push; configs read them as cluster.labels.<key>",
  },
  namespaceDefaults: {
    flag: 'namespace-defaults',
    env: 'RELAY_NAMESPACE_DEFAULTS',
    description:
      'watch namespaces and send each {annotation namespace}/request annotation as the default of its pods (needs get, list and watch on namespaces)',
    fallback: 'false',
    boolean: true,
  },
} as const satisfies Record<string, FlagSpec>

type FlagName = keyof typeof FLAGS

const NAMESPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** Parses command-line flags (argv without node and script) and env; throws SettingsError. */
export function readRelaySettings(
  argv: readonly string[],
  sources: SettingsSources,
): RelaySettings {
  let helpText = ''
  const program = new Command('relay')
    .description("Watches labelled ConfigMaps and keeps the Worker's sidecar configs in step.")
    .exitOverride()
    .configureOutput({
      writeErr: () => {},
      writeOut: (text) => {
        helpText += text
      },
    })
    .allowExcessArguments(false)
    .addHelpText('after', HELP_EXAMPLE)
  for (const spec of Object.values(FLAGS) as FlagSpec[]) {
    const fallback = spec.fallback === undefined ? '' : `, default ${spec.fallback}`
    const description = `${spec.description} (env ${spec.env}${fallback})`
    if (spec.repeatable === true) {
      program.option(`--${spec.flag} <value>`, description, collect, [])
    } else if (spec.boolean === true) {
      program.option(`--${spec.flag} [true|false]`, description)
    } else {
      program.option(`--${spec.flag} <value>`, description)
    }
  }
  try {
    program.parse([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      throw new HelpRequested(helpText)
    }
    const message = error instanceof CommanderError ? error.message : String(error)
    throw new SettingsError(message.replace(/^error: /, ''))
  }
  const opts = program.opts<Record<string, string | string[] | undefined>>()
  const flagValue = (spec: FlagSpec): string | undefined => {
    const value = opts[spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]
    // A switch given alone (`--report-pods`) comes back as true.
    if ((value as unknown) === true) return 'true'
    if (!Array.isArray(value)) return value
    // Repeated flags merge into one selector (checked by mergeLabelSelectors, pair by pair).
    return value.length === 0 ? undefined : value.join(',')
  }
  const raw = (name: FlagName): string | undefined => {
    const spec: FlagSpec = FLAGS[name]
    const value =
      flagValue(spec) ??
      sources.env[spec.env] ??
      (spec.tumblrEnv === undefined ? undefined : sources.env[spec.tumblrEnv])
    return value === undefined || value.trim() === '' ? spec.fallback : value.trim()
  }
  const fail = (name: FlagName, problem: string): never => {
    const spec: FlagSpec = FLAGS[name]
    throw new SettingsError(`--${spec.flag} (${spec.env}): ${problem}`)
  }
  const required = (name: FlagName): string => raw(name) ?? fail(name, 'required')
  const duration = (name: FlagName, minMs: number): number => {
    const parsed = parseDuration(required(name))
    if (!parsed.ok) return fail(name, parsed.message)
    if (parsed.ms < minMs) return fail(name, `must be at least ${minMs}ms`)
    return parsed.ms
  }

  const clusterText = required('cluster')
  const parsedCluster = parseClusterName(clusterText)
  if (!parsedCluster.ok) fail('cluster', `"${clusterText}": ${parsedCluster.message}`)
  const cluster = clusterText
  const scopeText = required('scope')
  if (scopeText !== 'cluster' && scopeText !== SHARED_SCOPE) {
    fail('scope', `"${scopeText}" must be "cluster" or "${SHARED_SCOPE}"`)
  }
  // `shared` names the fleet scope; a relay that calls its cluster so must mean to write it.
  if (cluster === SHARED_SCOPE && scopeText !== SHARED_SCOPE) {
    fail(
      'cluster',
      `"${SHARED_SCOPE}" is reserved for the fleet-wide scope; name the cluster, or add --scope ${SHARED_SCOPE} to push this cluster's ConfigMaps to the fleet scope`,
    )
  }
  const workerUrl = readWorkerUrl(required('workerUrl'), (problem) => fail('workerUrl', problem))
  const labels = mergeLabelSelectors([required('labels')])
  if (!labels.ok) fail('labels', labels.message)
  const port = Number(required('lifecyclePort'))
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('lifecyclePort', `"${raw('lifecyclePort')}" is not a port number`)
  }
  const masterUrl = raw('masterUrl')
  if (masterUrl !== undefined && parseHttpUrl(masterUrl) === undefined) {
    fail('masterUrl', 'must be an http(s) URL')
  }
  const switchValue = (name: FlagName): boolean => {
    const text = required(name).toLowerCase()
    if (text === 'true' || text === '1') return true
    if (text === 'false' || text === '0') return false
    return fail(name, `"${raw(name)}" must be true or false`)
  }
  const reportPods = switchValue('reportPods')
  // Pods are counted per cluster; the shared scope's sync token reports for `shared` only.
  if (reportPods && scopeText === SHARED_SCOPE) {
    fail(
      'reportPods',
      `not with --scope ${SHARED_SCOPE}: pod counts belong to a cluster; report them from a relay of the cluster's own scope`,
    )
  }
  const pageSize = Number(required('reportPodsPageSize'))
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) {
    fail(
      'reportPodsPageSize',
      `"${raw('reportPodsPageSize')}" must be a whole number from 1 to 5000`,
    )
  }
  const annotationNamespace = required('annotationNamespace')
  if (!isDnsSubdomain(annotationNamespace)) {
    fail(
      'annotationNamespace',
      `"${annotationNamespace}" is not a DNS subdomain (lowercase letters, digits, "-" and ".")`,
    )
  }
  const clusterLabels = readClusterLabels(raw('clusterLabels'), (problem) =>
    fail('clusterLabels', problem),
  )
  const namespaceDefaults = switchValue('namespaceDefaults')
  // Cluster facts belong to one cluster's scope; the shared scope has none.
  if (scopeText === SHARED_SCOPE) {
    if (clusterLabels !== undefined) {
      fail('clusterLabels', `not with --scope ${SHARED_SCOPE}: labels describe one cluster`)
    }
    if (namespaceDefaults) {
      fail(
        'namespaceDefaults',
        `not with --scope ${SHARED_SCOPE}: namespaces belong to one cluster; send them from a relay of the cluster's own scope`,
      )
    }
  }
  const debounceMs = duration('debounce', 0)
  const debounceMaxMs = duration('debounceMax', 0)
  if (debounceMaxMs < debounceMs) fail('debounceMax', 'must not be shorter than --debounce')

  return {
    cluster,
    scope: scopeText === SHARED_SCOPE ? SHARED_SCOPE : cluster,
    workerUrl,
    tokenFile: required('tokenFile'),
    namespaces: readNamespaces(raw('namespace'), sources, fail),
    labels: labels.ok ? labels.labels : {},
    kubeconfig: raw('kubeconfig'),
    masterUrl: masterUrl === undefined ? undefined : parseHttpUrl(masterUrl),
    lifecyclePort: port,
    resyncMs: duration('resync', 1000),
    debounceMs,
    debounceMaxMs,
    watchIdleTimeoutMs: duration('watchIdleTimeout', 1000),
    backoffMaxMs: duration('backoffMax', 100),
    heartbeatIntervalMs: duration('heartbeatInterval', 1000),
    reportPods,
    reportPodsIntervalMs: duration('reportPodsInterval', 1000),
    reportPodsPageSize: pageSize,
    annotationNamespace,
    ...(clusterLabels === undefined ? {} : { clusterLabels }),
    namespaceDefaults,
  }
}

/** `k=v[,k2=v2]` with Kubernetes label syntax; a key given twice is refused. */
function readClusterLabels(
  text: string | undefined,
  fail: (problem: string) => never,
): Readonly<Record<string, string>> | undefined {
  if (text === undefined) return undefined
  const parsed = parseLabelSelector(text)
  if (!parsed.ok) return fail(parsed.message)
  const keys = text.split(',').map((pair) => pair.slice(0, pair.indexOf('=')).trim())
  const twice = keys.find((key, index) => keys.indexOf(key) !== index)
  if (twice !== undefined) return fail(`label "${twice}" is given twice`)
  // The Worker refuses a push with more; refusing to start says so once, not at every push.
  if (keys.length > MAX_CLUSTER_LABELS) {
    return fail(`${keys.length} labels; the Worker takes at most ${MAX_CLUSTER_LABELS}`)
  }
  return parsed.labels
}

function readNamespaces(
  text: string | undefined,
  sources: SettingsSources,
  fail: (name: FlagName, problem: string) => never,
): NamespaceSelection {
  const value = text ?? sources.podNamespace()
  if (value === undefined) {
    return fail('namespace', 'required outside a cluster (no service-account namespace file)')
  }
  if (value === '*') return { all: true }
  const names = [...new Set(value.split(',').map((name) => name.trim()))]
  for (const name of names) {
    if (!NAMESPACE_NAME.test(name)) fail('namespace', `"${name}" is not a valid namespace name`)
  }
  return { all: false, names }
}

/**
 * The Worker URL: https, or http to a loopback host only, since every push carries the sync
 * token. Without a trailing slash.
 */
function readWorkerUrl(text: string, fail: (problem: string) => never): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return fail('must be an https URL')
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return fail(
      `http:// is refused for ${url.hostname}, which is not loopback (localhost, 127.0.0.0/8, ::1); use https:// so the sync token does not cross the network in clear`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an https URL')
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return fail('give the base URL only, without query, fragment or credentials')
  }
  return url.toString().replace(/\/+$/, '')
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value]
}

function parseHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.toString().replace(/\/+$/, '')
  } catch {
    return undefined
  }
}
