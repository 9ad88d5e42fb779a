import { isJsonObject, type JsonObject, jsonEqual } from './json.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { SidecarConfig } from './types.ts'

/** Everything the requested configs add to a pod, merged, with what the pod already has left out. */
export interface Injection {
  /** Canonical `name:version` of each config that takes part, in request order. */
  readonly applied: readonly string[]
  /** One sentence per config left out because a container name is taken in the pod. */
  readonly clashes: readonly string[]
  /** Contradictions between configs; when present nothing is injected. */
  readonly conflicts: readonly string[]
  readonly containers: readonly JsonObject[]
  /** Init containers with `restartPolicy: Always` (native sidecars). */
  readonly nativeSidecars: readonly JsonObject[]
  readonly initContainers: readonly JsonObject[]
  readonly env: readonly JsonObject[]
  readonly volumeMounts: readonly JsonObject[]
  readonly volumes: readonly JsonObject[]
  readonly imagePullSecrets: readonly JsonObject[]
  readonly hostAliases: readonly JsonObject[]
  readonly hostNetwork: boolean
  readonly hostPID: boolean
  readonly serviceAccountName: string | undefined
  readonly labels: ReadonlyMap<string, string>
  readonly annotations: ReadonlyMap<string, string>
}

/** The pod's containers by list, to tell a name clash from a container injected before. */
export interface PodContainers {
  readonly containers: readonly JsonObject[]
  readonly initContainers: readonly JsonObject[]
  /** Every container name in the pod, including ephemeral containers. */
  readonly names: ReadonlySet<string>
}

// A lone config that shares no container name with the pod merges the same way into any pod,
// and configs are immutable: the common request, one config, is merged once.
const alone = new WeakMap<SidecarConfig, Injection>()

/** Merges `configs` in order, reporting conflicts between them and clashes with the pod. */
export function combineConfigs(configs: readonly SidecarConfig[], pod: PodContainers): Injection {
  const [only] = configs
  if (configs.length !== 1 || only === undefined || sharesName(only, pod)) {
    return combine(configs, pod)
  }
  let known = alone.get(only)
  if (known === undefined) {
    known = combine(configs, pod)
    alone.set(only, known)
  }
  return known
}

function sharesName(config: SidecarConfig, pod: PodContainers): boolean {
  for (const list of [config.containers, config.initContainers]) {
    for (const container of list) {
      if (typeof container.name === 'string' && pod.names.has(container.name)) return true
    }
  }
  return false
}

function combine(configs: readonly SidecarConfig[], pod: PodContainers): Injection {
  const applied: string[] = []
  const clashes: string[] = []
  const conflicts: string[] = []
  const owners = new Map<string, string>()
  const merge = mergerFor(conflicts)
  const containers: JsonObject[] = []
  const nativeSidecars: JsonObject[] = []
  const initContainers: JsonObject[] = []
  const env = new Map<string, Entry>()
  const volumeMounts = new Map<string, Entry>()
  const volumes = new Map<string, Entry>()
  const pullSecrets = new Map<string, Entry>()
  const hostAliases: JsonObject[] = []
  const labels = new Map<string, Entry<string>>()
  const annotations = new Map<string, Entry<string>>()
  let serviceAccount: Entry<string> | undefined
  let hostNetwork: Entry<boolean> | undefined
  let hostPID: Entry<boolean> | undefined
  // An explicit value that contradicts another config's is a conflict, like serviceAccountName.
  const setFlag = (
    known: Entry<boolean> | undefined,
    value: boolean | undefined,
    ref: string,
    field: string,
  ): Entry<boolean> | undefined => {
    if (value === undefined) return known
    if (known === undefined) return { ref, value }
    if (known.value !== value) {
      conflicts.push(`configs "${known.ref}" and "${ref}" set ${field} differently`)
    }
    return known
  }
  for (const config of configs) {
    const ref = formatSidecarRef(config)
    const fresh = newContainers(config, pod)
    if (typeof fresh === 'string') {
      clashes.push(`config "${ref}" not injected: ${fresh}`)
      continue
    }
    applied.push(ref)
    for (const container of [...config.containers, ...config.initContainers]) {
      const name = String(container.name)
      const owner = owners.get(name)
      if (owner !== undefined) {
        conflicts.push(`configs "${owner}" and "${ref}" both define container "${name}"`)
      }
      owners.set(name, ref)
    }
    containers.push(...config.containers.filter((c) => fresh.has(c)))
    for (const container of config.initContainers) {
      if (!fresh.has(container)) continue
      if (container.restartPolicy === 'Always') nativeSidecars.push(container)
      else initContainers.push(container)
    }
    merge(env, config.env, ref, 'env')
    merge(volumeMounts, config.volumeMounts, ref, 'volumeMount')
    merge(volumes, config.volumes, ref, 'volume')
    merge(pullSecrets, config.imagePullSecrets, ref, 'imagePullSecret')
    for (const alias of config.hostAliases) {
      if (!hostAliases.some((known) => jsonEqual(known, alias))) hostAliases.push(alias)
    }
    mergeMap(labels, config.labels, ref, 'label', conflicts)
    mergeMap(annotations, config.annotations, ref, 'annotation', conflicts)
    const account = config.serviceAccountName
    if (account !== undefined) {
      if (serviceAccount !== undefined && serviceAccount.value !== account) {
        conflicts.push(
          `configs "${serviceAccount.ref}" and "${ref}" set different serviceAccountNames`,
        )
      }
      serviceAccount ??= { ref, value: account }
    }
    hostNetwork = setFlag(hostNetwork, config.hostNetwork, ref, 'hostNetwork')
    hostPID = setFlag(hostPID, config.hostPID, ref, 'hostPID')
  }
  // Kubernetes requires one mountPath per container: two volumes at one path cannot both go in.
  const mountPaths = new Map<string, Entry>()
  for (const entry of volumeMounts.values()) {
    const path = String(entry.value.mountPath)
    const known = mountPaths.get(path)
    if (known === undefined) mountPaths.set(path, entry)
    else {
      conflicts.push(
        `configs "${known.ref}" and "${entry.ref}" mount volumes "${String(known.value.name)}" and "${String(entry.value.name)}" at the same path "${path}"`,
      )
    }
  }
  const values = (map: Map<string, Entry>): JsonObject[] => [...map.values()].map((e) => e.value)
  const strings = (map: Map<string, Entry<string>>): Map<string, string> =>
    new Map([...map].map(([key, entry]) => [key, entry.value]))
  return {
    applied,
    clashes,
    conflicts,
    containers,
    nativeSidecars,
    initContainers,
    env: values(env),
    volumeMounts: values(volumeMounts),
    volumes: values(volumes),
    imagePullSecrets: values(pullSecrets),
    hostAliases,
    hostNetwork: hostNetwork?.value === true,
    hostPID: hostPID?.value === true,
    serviceAccountName: serviceAccount?.value,
    labels: strings(labels),
    annotations: strings(annotations),
  }
}

interface Entry<T = JsonObject> {
  readonly ref: string
  readonly value: T
}

/** A merger of named entries that records a conflict when two configs define a name differently. */
function mergerFor(conflicts: string[]) {
  return (
    target: Map<string, Entry>,
    entries: readonly JsonObject[],
    ref: string,
    what: string,
  ) => {
    for (const entry of entries) {
      const name = String(entry.name)
      const known = target.get(name)
      if (known === undefined) target.set(name, { ref, value: entry })
      else if (!jsonEqual(known.value, entry)) {
        conflicts.push(`configs "${known.ref}" and "${ref}" define ${what} "${name}" differently`)
      }
    }
  }
}

function mergeMap(
  target: Map<string, Entry<string>>,
  entries: Readonly<Record<string, string>>,
  ref: string,
  what: string,
  conflicts: string[],
): void {
  for (const [key, value] of Object.entries(entries)) {
    const known = target.get(key)
    if (known === undefined) target.set(key, { ref, value })
    else if (known.value !== value) {
      conflicts.push(`configs "${known.ref}" and "${ref}" set ${what} "${key}" differently`)
    }
  }
}

/**
 * The config's containers the pod lacks, or why the config cannot go in: a pod container of the
 * same name that is not this very container injected before (re-injection adds nothing).
 */
function newContainers(config: SidecarConfig, pod: PodContainers): Set<JsonObject> | string {
  const fresh = new Set<JsonObject>()
  const check = (
    list: readonly JsonObject[],
    podList: readonly JsonObject[],
  ): string | undefined => {
    for (const container of list) {
      const name = container.name
      if (typeof name !== 'string' || !pod.names.has(name)) {
        fresh.add(container)
        continue
      }
      const existing = podList.find((c) => c.name === name)
      if (existing === undefined || !containsContainer(existing, container)) {
        return `the pod already has a container named "${name}"`
      }
    }
    return undefined
  }
  return (
    check(config.containers, pod.containers) ??
    check(config.initContainers, pod.initContainers) ??
    fresh
  )
}

/**
 * Whether a pod container is `injected`, put there before: every field equal, except env and
 * volumeMounts, which injection itself extends (so the answer is the same before and after).
 * Extra fields in the pod's copy are defaults the API server filled in.
 */
function containsContainer(existing: JsonObject, injected: JsonObject): boolean {
  return Object.keys(injected).every((key) => {
    if (key === 'env' || key === 'volumeMounts') return true
    return jsonEqual(Object.hasOwn(existing, key) ? existing[key] : undefined, injected[key])
  })
}

/** Reads a pod's containers for `combineConfigs`. */
export function readPodContainers(spec: JsonObject): PodContainers {
  const list = (field: string): JsonObject[] => {
    const value = Object.hasOwn(spec, field) ? spec[field] : undefined
    return Array.isArray(value) ? value.filter(isJsonObject) : []
  }
  const containers = list('containers')
  const initContainers = list('initContainers')
  const names = new Set<string>()
  for (const container of [...containers, ...initContainers, ...list('ephemeralContainers')]) {
    if (typeof container.name === 'string') names.add(container.name)
  }
  return { containers, initContainers, names }
}
