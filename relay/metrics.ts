import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** The relay's Prometheus metrics (names are part of the published command-line contract). */
export interface RelayMetrics {
  readonly registry: Registry
  readonly pushes: Counter<'outcome'>
  readonly configs: Gauge<'state'>
  readonly watchRestarts: Counter
  readonly lastSuccessfulPush: Gauge
  readonly eventToPush: Histogram
  readonly heartbeats: Counter<'outcome'>
  readonly podReports: Counter<'outcome'>
}

// Outcomes of heartbeats and pod reports: `unsupported` is a Worker without the route (404).
const FLEET_OUTCOMES = ['ok', 'error', 'unsupported'] as const

/** Creates a fresh registry with the relay's metrics and Node's default process metrics. */
export function createRelayMetrics(): RelayMetrics {
  const registry = new Registry()
  const pushes = new Counter({
    name: 'relay_pushes_total',
    help: 'Pushes of the desired set to the Worker, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  })
  // Both outcomes exist from the start, so rate() works before the first failure.
  pushes.inc({ outcome: 'ok' }, 0)
  pushes.inc({ outcome: 'error' }, 0)
  const configs = new Gauge({
    name: 'relay_configs',
    help: 'Sidecar configs found in watched ConfigMaps, by validity.',
    labelNames: ['state'],
    registers: [registry],
  })
  configs.set({ state: 'valid' }, 0)
  configs.set({ state: 'invalid' }, 0)
  const watchRestarts = new Counter({
    name: 'relay_watch_restarts_total',
    help: 'ConfigMap and namespace watches restarted after an error, a 410 Gone or the idle watchdog.',
    registers: [registry],
  })
  const lastSuccessfulPush = new Gauge({
    name: 'relay_last_successful_push_timestamp_seconds',
    help: 'Unix time of the last successful push.',
    registers: [registry],
  })
  const eventToPush = new Histogram({
    name: 'relay_event_to_push_seconds',
    help: 'Time from a ConfigMap change reaching the relay to the push carrying it succeeding.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  })
  const heartbeats = new Counter({
    name: 'relay_heartbeats_total',
    help: 'Cluster status heartbeats sent to the Worker, by outcome (unsupported: 404, an older Worker).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const podReports = new Counter({
    name: 'relay_pod_reports_total',
    help: 'Pod reports (--report-pods), by outcome (error includes listing failures).',
    labelNames: ['outcome'],
    registers: [registry],
  })
  for (const outcome of FLEET_OUTCOMES) {
    heartbeats.inc({ outcome }, 0)
    podReports.inc({ outcome }, 0)
  }
  return {
    registry,
    pushes,
    configs,
    watchRestarts,
    lastSuccessfulPush,
    eventToPush,
    heartbeats,
    podReports,
  }
}
