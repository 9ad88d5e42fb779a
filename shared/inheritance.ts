import type { JsonObject } from './json.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { ConfigLookup, SidecarConfig, SidecarRef } from './types.ts'

/** How many `inherits` hops a chain may take (tumblr's injector had no limit). */
export const MAX_INHERITANCE_DEPTH = 10

/** The result of following a config's `inherits` chain. */
export type ResolveResult =
  | { ok: true; config: SidecarConfig; chain: readonly string[] }
  | { ok: false; message: string }

/**
 * Follows `inherits` from `ref` to the root and merges parent-first, the child winning.
 * `chain` lists `name:version` from `ref` to its furthest ancestor.
 */
export function resolveSidecarConfig(ref: SidecarRef, lookup: ConfigLookup): ResolveResult {
  const start = lookup(ref)
  if (start === undefined)
    return { ok: false, message: `config "${formatSidecarRef(ref)}" not found` }
  const chain = [formatSidecarRef(ref)]
  const configs = [start]
  let current = start
  while (current.inherits !== undefined) {
    const parentKey = formatSidecarRef(current.inherits)
    if (chain.includes(parentKey)) {
      return { ok: false, message: `inheritance cycle: ${[...chain, parentKey].join(' -> ')}` }
    }
    if (chain.length > MAX_INHERITANCE_DEPTH) {
      return {
        ok: false,
        message: `inheritance deeper than ${MAX_INHERITANCE_DEPTH}: ${[...chain, parentKey].join(' -> ')}`,
      }
    }
    const parent = lookup(current.inherits)
    if (parent === undefined) {
      return {
        ok: false,
        message: `config "${parentKey}" not found (inherited through ${[...chain, parentKey].join(' -> ')})`,
      }
    }
    chain.push(parentKey)
    configs.push(parent)
    current = parent
  }
  let merged = configs[configs.length - 1] ?? start
  for (let i = configs.length - 2; i >= 0; i--) {
    const child = configs[i]
    if (child !== undefined) merged = mergeSidecarConfigs(merged, child)
  }
  // One config's names were checked when it was parsed; only a merge can make them clash.
  const clash = configs.length > 1 ? findNameClash(merged) : undefined
  if (clash !== undefined) {
    return { ok: false, message: `${clash} (after inheritance ${chain.join(' -> ')})` }
  }
  return { ok: true, config: merged, chain }
}

/**
 * A lookup that answers each config with its `inherits` chain already merged in, resolving each
 * `name:version` once for as long as the lookup is kept; resolving an answer again is a no-op.
 * Only successes are kept: a chain that fails is answered as stored, so `resolveSidecarConfig`
 * reports the failure, and is tried again on the next call.
 */
export function resolvingLookup(lookup: ConfigLookup): ConfigLookup {
  const resolved = new Map<string, SidecarConfig>()
  return (ref) => {
    const key = formatSidecarRef(ref)
    const known = resolved.get(key)
    if (known !== undefined) return known
    const result = resolveSidecarConfig(ref, lookup)
    if (!result.ok) return lookup(ref)
    resolved.set(key, result.config)
    return result.config
  }
}

/** tumblr's `Merge`: lists merged by `name`, the child winning; hostAliases appended; child scalars win. */
export function mergeSidecarConfigs(parent: SidecarConfig, child: SidecarConfig): SidecarConfig {
  const serviceAccountName = child.serviceAccountName ?? parent.serviceAccountName
  const hostNetwork = child.hostNetwork ?? parent.hostNetwork
  const hostPID = child.hostPID ?? parent.hostPID
  return {
    name: child.name,
    version: child.version,
    containers: mergeByName(parent.containers, child.containers),
    initContainers: mergeByName(parent.initContainers, child.initContainers),
    volumes: mergeByName(parent.volumes, child.volumes),
    volumeMounts: mergeByName(parent.volumeMounts, child.volumeMounts),
    env: mergeByName(parent.env, child.env),
    hostAliases: [...parent.hostAliases, ...child.hostAliases],
    imagePullSecrets: mergeByName(parent.imagePullSecrets, child.imagePullSecrets),
    ...(hostNetwork === undefined ? {} : { hostNetwork }),
    ...(hostPID === undefined ? {} : { hostPID }),
    ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
    annotations: { ...parent.annotations, ...child.annotations },
    labels: { ...parent.labels, ...child.labels },
  }
}

/** Parent entries in place (replaced by a child's of the same name), then the child's new ones. */
function mergeByName(parent: readonly JsonObject[], child: readonly JsonObject[]): JsonObject[] {
  const byName = new Map<string, JsonObject>()
  for (const entry of child) {
    if (typeof entry.name === 'string') byName.set(entry.name, entry)
  }
  const used = new Set<string>()
  const merged = parent.map((entry) => {
    const name = entry.name
    const replacement = typeof name === 'string' ? byName.get(name) : undefined
    if (replacement === undefined || typeof name !== 'string') return entry
    used.add(name)
    return replacement
  })
  for (const entry of child) {
    if (typeof entry.name !== 'string' || !used.has(entry.name)) merged.push(entry)
  }
  return merged
}

/** A container name used both in containers and initContainers after merging, if any. */
function findNameClash(config: SidecarConfig): string | undefined {
  const names = new Set(config.containers.map((c) => c.name))
  const clash = config.initContainers.find((c) => names.has(c.name))
  return clash === undefined
    ? undefined
    : `container name "${String(clash.name)}" is used by both containers and initContainers`
}
