import type { ClusterFacts } from './cluster-facts.ts'
import { fillTemplate, mayHoldVariables, parseTemplate } from './cluster-values.ts'
import type { IssueSink } from './config-check.ts'
import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import { chooseSidecarMode, readSidecarMode, SIDECAR_MODE_FIELD } from './sidecar-mode.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { SidecarConfig } from './types.ts'

/** A config made for one cluster, with one note per marked sidecar; or why it cannot be. */
export type RenderResult =
  | { readonly ok: true; readonly config: SidecarConfig; readonly notes: readonly string[] }
  | { readonly ok: false; readonly message: string }

/** Rewrites one string at a path; returns the new text (the same string for no change). */
export type TemplateVisitor = (text: string, path: string) => string

interface Features {
  readonly variables: boolean
  readonly sidecars: boolean
}

// Resolved configs are immutable and answered as the same object while cached: each is scanned
// once, and a config with neither variables nor sidecar modes is passed on untouched.
const features = new WeakMap<SidecarConfig, Features>()
// The renderings of each config by cluster name, reused while that cluster's facts are the same
// objects (a snapshot's header read once); an isolate serving many clusters keeps a few each.
const renderings = new WeakMap<SidecarConfig, Map<string, Rendering>>()
const MAX_RENDERINGS_PER_CONFIG = 32

interface Rendering {
  readonly cluster: ClusterFacts | undefined
  readonly result: RenderResult
}

/**
 * The config as injected into a pod of `cluster`: `${cluster.…}` variables filled in and each
 * container marked with `sidecarMode` placed as a native sidecar or a classic container.
 */
export function renderForCluster(
  config: SidecarConfig,
  cluster: ClusterFacts | undefined,
): RenderResult {
  const found = featuresOf(config)
  if (!found.variables && !found.sidecars) return { ok: true, config, notes: [] }
  let byCluster = renderings.get(config)
  if (byCluster === undefined) {
    byCluster = new Map()
    renderings.set(config, byCluster)
  }
  const key = cluster?.name ?? ''
  const last = byCluster.get(key)
  if (last !== undefined && sameFacts(last.cluster, cluster)) return last.result
  const result = render(config, found, cluster)
  if (byCluster.size >= MAX_RENDERINGS_PER_CONFIG && last === undefined) byCluster.clear()
  byCluster.set(key, { cluster, result })
  return result
}

function render(
  config: SidecarConfig,
  found: Features,
  cluster: ClusterFacts | undefined,
): RenderResult {
  let current = config
  if (found.variables) {
    if (cluster === undefined) {
      return { ok: false, message: `uses \${cluster.…} values, and no cluster is known here` }
    }
    let failure: string | undefined
    current = mapTemplateFields(current, (text, path) => {
      if (failure !== undefined || !mayHoldVariables(text)) return text
      const parsed = parseTemplate(text)
      const filled = parsed.ok ? fillTemplate(parsed.parts, cluster) : parsed
      if (filled.ok) return filled.text
      failure = `${path}: ${filled.message}`
      return text
    })
    if (failure !== undefined) return { ok: false, message: failure }
  }
  if (!found.sidecars) return { ok: true, config: current, notes: [] }
  const notes: string[] = []
  const containers: JsonObject[] = []
  const natives: JsonObject[] = []
  for (const container of current.containers) {
    if (!Object.hasOwn(container, SIDECAR_MODE_FIELD)) {
      containers.push(container)
      continue
    }
    const { [SIDECAR_MODE_FIELD]: mode, ...plain } = container
    const choice = chooseSidecarMode(readSidecarMode(mode), cluster?.kubernetesVersion)
    const name = String(container.name)
    notes.push(
      `container "${name}" of "${formatSidecarRef(config)}": ${choice.native ? 'native sidecar (init container, restartPolicy: Always)' : 'classic container'} (${choice.why})`,
    )
    if (choice.native) natives.push({ ...plain, restartPolicy: 'Always' })
    else containers.push(plain)
  }
  const initContainers = [...current.initContainers, ...natives]
  return { ok: true, config: { ...current, containers, initContainers }, notes }
}

function sameFacts(a: ClusterFacts | undefined, b: ClusterFacts | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined) return false
  return a.name === b.name && a.labels === b.labels && a.kubernetesVersion === b.kubernetesVersion
}

function featuresOf(config: SidecarConfig): Features {
  const known = features.get(config)
  if (known !== undefined) return known
  let variables = false
  forEachTemplateField(config, (text) => {
    if (mayHoldVariables(text)) variables = true
  })
  const sidecars = config.containers.some((c) => Object.hasOwn(c, SIDECAR_MODE_FIELD))
  const found = { variables, sidecars }
  features.set(config, found)
  return found
}

/**
 * Calls `visit` on every string that takes `${cluster.…}` values, with its path: env values
 * (config-level and per container), args and command of containers and init containers, and
 * annotation values.
 */
export function forEachTemplateField(
  config: SidecarConfig,
  visit: (text: string, path: string) => void,
): void {
  mapTemplateFields(config, (text, path) => {
    visit(text, path)
    return text
  })
}

/** The config with `map` applied to each string that takes values; unchanged parts are shared. */
export function mapTemplateFields(config: SidecarConfig, map: TemplateVisitor): SidecarConfig {
  const containers = mapContainers(config.containers, 'containers', map)
  const initContainers = mapContainers(config.initContainers, 'initContainers', map)
  const mappedEnv = mapEnv(config.env, 'env', map)
  // Config-level env entries are objects (checked at ingest), so a mapped list holds only those.
  const env = mappedEnv === config.env ? config.env : mappedEnv.filter(isJsonObject)
  let annotations = config.annotations
  for (const [key, value] of Object.entries(config.annotations)) {
    const text = map(value, `annotations.${key}`)
    if (text === value) continue
    if (annotations === config.annotations) annotations = { ...config.annotations }
    Object.defineProperty(annotations, key, { value: text, enumerable: true, writable: true })
  }
  if (
    containers === config.containers &&
    initContainers === config.initContainers &&
    env === config.env &&
    annotations === config.annotations
  ) {
    return config
  }
  return { ...config, containers, initContainers, env, annotations }
}

function mapContainers(
  list: readonly JsonObject[],
  path: string,
  map: TemplateVisitor,
): readonly JsonObject[] {
  let result: JsonObject[] | undefined
  list.forEach((container, i) => {
    const at = `${path}[${i}]`
    let next = container
    const env = ownMember(container, 'env')
    if (Array.isArray(env)) {
      const mapped = mapEnv(env, `${at}.env`, map)
      if (mapped !== env) next = { ...next, env: [...mapped] }
    }
    for (const field of ['args', 'command'] as const) {
      const value = ownMember(container, field)
      if (!Array.isArray(value)) continue
      const mapped = mapStrings(value, `${at}.${field}`, map)
      if (mapped !== value) next = { ...next, [field]: mapped }
    }
    if (next !== container) {
      result ??= [...list]
      result[i] = next
    }
  })
  return result ?? list
}

function mapEnv<T extends JsonValue>(
  list: readonly T[],
  path: string,
  map: TemplateVisitor,
): readonly (T | JsonObject)[] {
  let result: (T | JsonObject)[] | undefined
  list.forEach((item: JsonValue, i) => {
    if (!isJsonObject(item)) return
    const entry: JsonObject = item
    const value = ownMember(entry, 'value')
    if (typeof value !== 'string') return
    const text = map(value, `${path}[${i}].value`)
    if (text === value) return
    result ??= [...list]
    result[i] = { ...entry, value: text }
  })
  return result ?? list
}

/** Checks every `${cluster.…}` value of a config at ingest: unknown variables, syntax errors. */
export function checkClusterValues(config: SidecarConfig, report: IssueSink): void {
  forEachTemplateField(config, (text, path) => {
    if (!mayHoldVariables(text)) return
    const parsed = parseTemplate(text)
    if (!parsed.ok) report(path, parsed.message)
  })
}

function mapStrings(list: JsonValue[], path: string, map: TemplateVisitor): JsonValue[] {
  let result: JsonValue[] | undefined
  list.forEach((item, i) => {
    if (typeof item !== 'string') return
    const text = map(item, `${path}[${i}]`)
    if (text === item) return
    result ??= [...list]
    result[i] = text
  })
  return result ?? list
}
