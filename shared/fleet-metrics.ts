import type { PodDriftRow } from './fleet-api.ts'

/** Admissions of one cluster with one outcome and config, as isolates count them. */
export interface AdmissionCount {
  readonly cluster: string
  readonly decision: 'inject' | 'skip'
  /** The skip reason, or `injected`. */
  readonly reason: string
  /** Canonical `name:version` requested; empty when the pod named none (or not readably). */
  readonly config: string
  readonly count: number
}

/** What the metrics page shows of one cluster. */
export interface ClusterMetrics {
  readonly cluster: string
  readonly lastSeenSeconds?: number
  readonly syncAgeSeconds?: number
  readonly pods?: readonly PodDriftRow[]
}

/**
 * The fleet's Prometheus text page (exposition format 0.0.4): admissions by cluster, decision,
 * reason and config (tumblr's `injections`, fleet-wide), each cluster's sync age, and its pods
 * per config@hash with how they stand against the view.
 */
export function formatFleetMetrics(
  admissions: readonly AdmissionCount[],
  clusters: readonly ClusterMetrics[],
): string {
  const lines: string[] = []
  const family = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }
  family(
    'sidecar_injector_admissions_total',
    'counter',
    'Pod admissions by cluster, decision, reason and requested config (a pod naming two configs counts once for each).',
  )
  for (const a of admissions) {
    const labels = { cluster: a.cluster, decision: a.decision, reason: a.reason, config: a.config }
    lines.push(sample('sidecar_injector_admissions_total', labels, a.count))
  }
  family(
    'sidecar_injector_cluster_sync_age_seconds',
    'gauge',
    "Seconds since the cluster's relay last sent a heartbeat.",
  )
  for (const c of clusters) {
    if (c.syncAgeSeconds === undefined) continue
    lines.push(
      sample('sidecar_injector_cluster_sync_age_seconds', { cluster: c.cluster }, c.syncAgeSeconds),
    )
  }
  family(
    'sidecar_injector_cluster_last_seen_timestamp_seconds',
    'gauge',
    "Unix time of the cluster's last heartbeat.",
  )
  for (const c of clusters) {
    if (c.lastSeenSeconds === undefined) continue
    lines.push(
      sample(
        'sidecar_injector_cluster_last_seen_timestamp_seconds',
        { cluster: c.cluster },
        c.lastSeenSeconds,
      ),
    )
  }
  family(
    'sidecar_injector_pods',
    'gauge',
    "Running injected pods per config@hash in the cluster's last pod report; state: current, drifted or unserved against the view served now.",
  )
  for (const c of clusters) {
    for (const row of c.pods ?? []) {
      const labels = { cluster: c.cluster, config: row.config, hash: row.hash, state: row.state }
      lines.push(sample('sidecar_injector_pods', labels, row.pods))
    }
  }
  return `${lines.join('\n')}\n`
}

function sample(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  const text = Object.entries(labels)
    .map(([key, label]) => `${key}="${escapeLabel(label)}"`)
    .join(',')
  return `${name}{${text}} ${value}`
}

// Label values escape backslash, double quote and line feed (exposition format).
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
