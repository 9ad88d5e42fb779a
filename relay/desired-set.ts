import type { IngestEntry } from '../shared/ingest-api.ts'
import type { ConfigIssue } from '../shared/types.ts'

/** The parts of a watched ConfigMap the relay needs. */
export interface ConfigMapRecord {
  readonly namespace: string
  readonly name: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly data: Readonly<Record<string, string>>
}

/** The verdict of the config parser, reduced to what the relay reads (fits `parseSidecarConfig`). */
export type ParsedConfig =
  | { readonly ok: true; readonly config: { readonly name: string; readonly version: string } }
  | { readonly ok: false; readonly ref?: string; readonly issues: readonly ConfigIssue[] }

/** Parses one config text; the relay passes the core parser. */
export type ConfigParser = (text: string) => ParsedConfig

/** One ConfigMap key whose config was rejected, with the reasons. */
export interface InvalidConfig {
  readonly configMap: Omit<ConfigMapRecord, 'data'>
  readonly key: string
  /** Canonical `name:version` when the name was readable. */
  readonly ref?: string
  readonly issues: readonly ConfigIssue[]
}

/** What the relay wants the Worker to hold, and what it refused to send. */
export interface DesiredSet {
  /** Valid configs, ordered by namespace, ConfigMap name and key, so equal sets are equal bodies. */
  readonly entries: readonly IngestEntry[]
  readonly invalid: readonly InvalidConfig[]
}

interface Candidate {
  readonly configMap: ConfigMapRecord
  readonly key: string
  readonly ref: string
}

/** Turns the watched ConfigMaps into the set to push: one config per data key, bad ones set aside. */
export function buildDesiredSet(
  configMaps: readonly ConfigMapRecord[],
  parse: ConfigParser,
): DesiredSet {
  const invalid: InvalidConfig[] = []
  const byRef = new Map<string, Candidate[]>()
  for (const configMap of [...configMaps].sort(compareConfigMaps)) {
    for (const key of Object.keys(configMap.data).sort()) {
      const parsed = parse(configMap.data[key] ?? '')
      if (!parsed.ok) {
        invalid.push({
          configMap: describe(configMap),
          key,
          ref: parsed.ref,
          issues: parsed.issues,
        })
        continue
      }
      const ref = `${parsed.config.name}:${parsed.config.version}`
      const group = byRef.get(ref) ?? []
      group.push({ configMap, key, ref })
      byRef.set(ref, group)
    }
  }
  const accepted: Candidate[] = []
  for (const group of byRef.values()) {
    const [only] = group
    if (group.length === 1 && only !== undefined) {
      accepted.push(only)
      continue
    }
    // The Worker would reject both as well: pushing either one would pick a winner at random.
    for (const candidate of group) {
      const others = group.filter((other) => other !== candidate).map(formatSource)
      invalid.push({
        configMap: describe(candidate.configMap),
        key: candidate.key,
        ref: candidate.ref,
        issues: [
          {
            path: 'name',
            message: `duplicate sidecar "${candidate.ref}": also defined in ${others.join(', ')}`,
          },
        ],
      })
    }
  }
  accepted.sort(compareCandidates)
  invalid.sort((a, b) => compareConfigMaps(a.configMap, b.configMap) || compare(a.key, b.key))
  return { entries: accepted.map(toEntry), invalid }
}

function toEntry(candidate: Candidate): IngestEntry {
  const { configMap, key } = candidate
  return {
    text: configMap.data[key] ?? '',
    source: {
      kind: 'ConfigMap',
      namespace: configMap.namespace,
      name: configMap.name,
      key,
      ...(configMap.resourceVersion === undefined
        ? {}
        : { resourceVersion: configMap.resourceVersion }),
    },
  }
}

function describe(configMap: ConfigMapRecord): Omit<ConfigMapRecord, 'data'> {
  const { data: _data, ...rest } = configMap
  return rest
}

function formatSource(candidate: Candidate): string {
  return `ConfigMap ${candidate.configMap.namespace}/${candidate.configMap.name} key "${candidate.key}"`
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareConfigMaps(a: Omit<ConfigMapRecord, 'data'>, b: Omit<ConfigMapRecord, 'data'>) {
  return compare(a.namespace, b.namespace) || compare(a.name, b.name)
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return compareConfigMaps(a.configMap, b.configMap) || compare(a.key, b.key)
}
