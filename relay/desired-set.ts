import { checkConfigSet } from '../shared/config-set.ts'
import type { ClusterFactsPush, IngestEntry } from '../shared/ingest-api.ts'
import { CONFIG_MAX_BYTES_CEILING } from '../shared/parse-limits.ts'
import type { ConfigIssue } from '../shared/types.ts'

/** The parts of a watched ConfigMap the relay needs. */
export interface ConfigMapRecord {
  readonly namespace: string
  readonly name: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly data: Readonly<Record<string, string>>
}

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
  /** What the relay reports of its cluster with the set; absent: the scope keeps what it holds. */
  readonly cluster?: ClusterFactsPush
}

/**
 * Turns the watched ConfigMaps into the set to push: one config per data key, checked by the
 * Worker's own rule, bad ones set aside. Host access and the per-config size limit are left to
 * the Worker, whose settings the relay does not know (it still refuses what no setting allows);
 * it reports the Worker's refusals after the push.
 */
export function buildDesiredSet(configMaps: readonly ConfigMapRecord[]): DesiredSet {
  const candidates = [...configMaps]
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name))
    .flatMap((configMap) =>
      Object.keys(configMap.data)
        .sort()
        .map((key) => ({ configMap, key, ...toEntry(configMap, key) })),
    )
  const entries: IngestEntry[] = []
  const invalid: InvalidConfig[] = []
  for (const { entry, verdict } of checkConfigSet(candidates, {
    allowHostAccess: true,
    maxConfigBytes: CONFIG_MAX_BYTES_CEILING,
  })) {
    const { configMap, key, text, source } = entry
    if (verdict.ok) {
      entries.push({ text, source })
      continue
    }
    const { data: _data, ...described } = configMap
    invalid.push({
      configMap: described,
      key,
      ...(verdict.ref === undefined ? {} : { ref: verdict.ref }),
      issues: verdict.issues,
    })
  }
  return { entries, invalid }
}

function toEntry(configMap: ConfigMapRecord, key: string): IngestEntry {
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
