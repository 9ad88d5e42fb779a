import { isDnsLabel } from './dns-name.ts'
import type { ClusterFactsPush } from './ingest-api.ts'
import { MAX_KUBERNETES_VERSION_LENGTH } from './kubernetes-version.ts'
import { isLabelValue, isQualifiedName } from './metadata-map.ts'
import { parseRequestAnnotation } from './request-annotation.ts'

/**
 * What the decision knows of the cluster a pod is created in: its name (the scope), the labels
 * and namespace defaults its relay pushed, and the Kubernetes version its heartbeat reported.
 */
export interface ClusterFacts {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  /** As reported (`v1.29.3`); undefined when no heartbeat said it. */
  readonly kubernetesVersion?: string
  /** Namespace name to the request text its pods get when they carry none. */
  readonly namespaceDefaults: Readonly<Record<string, string>>
}

/** Cluster labels a push may carry. */
export const MAX_CLUSTER_LABELS = 64
/** Namespaces with a default a push may carry. */
export const MAX_NAMESPACE_DEFAULTS = 1000
/** Longest request text of one namespace default. */
export const MAX_DEFAULT_REQUEST_LENGTH = 1024

// One empty map for every cluster without labels or defaults: configs rendered for a cluster are
// reused while its facts are the same objects (shared/cluster-render.ts).
const NONE: Readonly<Record<string, string>> = Object.freeze({})

/** The facts of a cluster that reported nothing. */
export function emptyClusterFacts(name: string, kubernetesVersion?: string): ClusterFacts {
  return {
    name,
    labels: NONE,
    namespaceDefaults: NONE,
    ...(kubernetesVersion === undefined ? {} : { kubernetesVersion }),
  }
}

/**
 * Checks the `cluster` member of a push body; the message names the first bad field (`cluster.
 * labels.region: ...`). Maps are rebuilt as own properties only, so no key reaches a prototype.
 */
export function checkClusterFactsPush(
  value: unknown,
): { ok: true; facts: ClusterFactsPush } | { ok: false; message: string } {
  if (!isRecord(value))
    return fail('cluster', 'must be an object with labels and namespaceDefaults')
  for (const key of Object.keys(value)) {
    if (key !== 'labels' && key !== 'namespaceDefaults') {
      return fail(`cluster.${key}`, 'unknown field; valid fields are labels, namespaceDefaults')
    }
  }
  let labels: Record<string, string> | undefined
  let namespaceDefaults: Record<string, string> | undefined
  if (value.labels !== undefined) {
    const read = readMap(value.labels, 'cluster.labels', MAX_CLUSTER_LABELS, (key, text) => {
      if (!isQualifiedName(key)) return 'key must be a label key ([prefix/]name)'
      if (!isLabelValue(text)) {
        return 'must be a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."'
      }
      return undefined
    })
    if (!read.ok) return read
    labels = read.map
  }
  if (value.namespaceDefaults !== undefined) {
    const path = 'cluster.namespaceDefaults'
    const read = readMap(value.namespaceDefaults, path, MAX_NAMESPACE_DEFAULTS, (key, text) =>
      isDnsLabel(key) ? checkDefaultRequest(text) : 'key must be a namespace name (a DNS label)',
    )
    if (!read.ok) return read
    namespaceDefaults = read.map
  }
  return {
    ok: true,
    facts: {
      ...(labels === undefined ? {} : { labels }),
      ...(namespaceDefaults === undefined ? {} : { namespaceDefaults }),
    },
  }
}

/**
 * Checks a namespace's default request as the Worker takes it: at most 1,024 characters, read
 * as a pod's own request is. The relay checks each namespace with it before pushing, so that one
 * bad annotation is left out rather than failing the push of every config.
 */
export function checkDefaultRequest(text: string): string | undefined {
  if (text.length > MAX_DEFAULT_REQUEST_LENGTH) {
    return `request is longer than ${MAX_DEFAULT_REQUEST_LENGTH} characters`
  }
  const parsed = parseRequestAnnotation(text)
  return parsed.ok ? undefined : parsed.message
}

/** Checks a reported Kubernetes version: a short string, or absent. */
export function checkKubernetesVersionText(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (value === '' || value.length > MAX_KUBERNETES_VERSION_LENGTH) {
    return `must be 1 to ${MAX_KUBERNETES_VERSION_LENGTH} characters`
  }
  return undefined
}

function readMap(
  value: unknown,
  path: string,
  max: number,
  check: (key: string, text: string) => string | undefined,
): { ok: true; map: Record<string, string> } | { ok: false; message: string } {
  if (!isRecord(value)) return fail(path, 'must be a map of strings')
  const keys = Object.keys(value)
  if (keys.length > max) return fail(path, `holds ${keys.length} entries; at most ${max}`)
  const map: Record<string, string> = {}
  for (const key of keys) {
    const text = value[key]
    if (typeof text !== 'string') return fail(`${path}.${key}`, 'must be a string')
    const problem = check(key, text)
    if (problem !== undefined) return fail(`${path}.${key}`, problem)
    Object.defineProperty(map, key, { value: text, enumerable: true, writable: true })
  }
  return { ok: true, map }
}

function fail(path: string, message: string): { ok: false; message: string } {
  return { ok: false, message: `${path}: ${message}` }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Facts as a scope stores them and its snapshot header carries them: the labels and namespace
 * defaults its relay pushed, and the Kubernetes version its heartbeat reported; any may be missing.
 */
export interface StoredClusterFacts {
  readonly labels?: Readonly<Record<string, string>>
  readonly namespaceDefaults?: Readonly<Record<string, string>>
  readonly kubernetesVersion?: string
}

/** Whether facts say nothing (empty maps, no version), so nothing need be stored or published. */
export function isEmptyClusterFacts(facts: StoredClusterFacts): boolean {
  return (
    facts.kubernetesVersion === undefined &&
    isEmptyMap(facts.labels) &&
    isEmptyMap(facts.namespaceDefaults)
  )
}

function isEmptyMap(map: Readonly<Record<string, string>> | undefined): boolean {
  return map === undefined || Object.keys(map).length === 0
}

/** The facts of cluster `name` from what its scope stores (nothing stored: none known). */
export function clusterFactsFrom(
  name: string,
  stored: StoredClusterFacts | undefined,
): ClusterFacts {
  if (stored === undefined) return emptyClusterFacts(name)
  const version = stored.kubernetesVersion
  return {
    name,
    labels: stored.labels ?? NONE,
    namespaceDefaults: stored.namespaceDefaults ?? NONE,
    ...(typeof version === 'string' ? { kubernetesVersion: version } : {}),
  }
}

/** The facts a push leaves: each field it carries replaces the stored one; absent ones are kept. */
export function mergeClusterFacts(
  stored: ClusterFactsPush,
  pushed: ClusterFactsPush | undefined,
): ClusterFactsPush {
  if (pushed === undefined) return stored
  const labels = pushed.labels ?? stored.labels
  const namespaceDefaults = pushed.namespaceDefaults ?? stored.namespaceDefaults
  return {
    ...(isEmptyMap(labels) ? {} : { labels }),
    ...(isEmptyMap(namespaceDefaults) ? {} : { namespaceDefaults }),
  }
}

/** Whether two sets of pushed facts say the same, whatever their key order; empty equals absent. */
export function sameClusterFacts(a: ClusterFactsPush, b: ClusterFactsPush): boolean {
  return (
    sameMap(a.labels ?? {}, b.labels ?? {}) &&
    sameMap(a.namespaceDefaults ?? {}, b.namespaceDefaults ?? {})
  )
}

function sameMap(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key])
}
