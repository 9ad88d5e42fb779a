import type { ClusterStatusReport } from '../shared/fleet-api.ts'
import { injectedAnnotationKey } from '../shared/injected-annotation.ts'
import { formatLabelSelector } from '../shared/label-selector.ts'
import { redactTokens } from '../shared/token-text.ts'
import type { FleetOutcome, FleetSink } from './fleet-sink.ts'
import { createHeartbeat } from './heartbeat.ts'
import type { RelayLogger } from './logger.ts'
import type { RelayMetrics } from './metrics.ts'
import { countInjectedPods, type PodPageLister } from './pod-counter.ts'
import { createPodReporter, type PodReportRound } from './pod-reporter.ts'
import { trackServerVersion } from './server-version.ts'
import type { RelaySettings } from './settings.ts'

/** What the relay tells the fleet control plane, and how it reaches the API server for it. */
export interface FleetDeps {
  readonly sink: FleetSink
  readonly readServerVersion: () => Promise<string>
  /** Lists pod pages; used only with `--report-pods`. */
  readonly listPods: PodPageLister
  readonly relayVersion: string
}

/** The relay's own part of its status. */
export interface RelayStatusState {
  readonly configs: ClusterStatusReport['configs']
  /** Epoch ms of the last push the Worker accepted. */
  readonly lastSuccessfulPush: number | undefined
}

export interface FleetReportingOptions extends FleetDeps {
  readonly settings: RelaySettings
  readonly instance: string
  readonly logger: RelayLogger
  readonly metrics: RelayMetrics
  readonly state: () => RelayStatusState
}

/** Heartbeats, the API server version and pod reports of one relay. */
export interface FleetReporting {
  start(): void
  /** The relay's state may have changed. */
  changed(): void
  /** A push, watch or pod-listing failure, kept as the status's last error. */
  error(message: string): void
  /** The API server answered again after a failure: read its version again. */
  reconnected(): void
  stop(): void
}

// Repeated failures are logged again at most this often, unless the message changes.
const REPEAT_LOG_MS = 10 * 60_000
const VERSION_REFRESH_MS = 10 * 60_000
const MAX_ERROR_CHARS = 500
const MAX_POD_ROWS = 10_000
const MAX_LIST_RESTARTS = 3

/** Wires heartbeat, version tracker and (with `--report-pods`) the pod reporter. */
export function startFleetReporting(options: FleetReportingOptions): FleetReporting {
  const { settings, logger, metrics } = options
  let lastError: ClusterStatusReport['lastError']
  let started = false

  const version = trackServerVersion({
    read: options.readServerVersion,
    refreshMs: VERSION_REFRESH_MS,
    onChange: (gitVersion) => {
      logger.info({ kubernetesVersion: gitVersion }, 'API server version read')
      startHeartbeat()
      heartbeat.changed()
    },
    onError: (message) => {
      logger.warn({ error: message }, 'API server version unreadable')
      startHeartbeat()
    },
  })

  const report = (): ClusterStatusReport => {
    const state = options.state()
    const kubernetesVersion = version.current()
    return {
      relayVersion: options.relayVersion,
      instance: options.instance,
      ...(kubernetesVersion === undefined ? {} : { kubernetesVersion }),
      namespaces: settings.namespaces.all ? ['*'] : [...settings.namespaces.names],
      labels: formatLabelSelector(settings.labels),
      configs: state.configs,
      ...(state.lastSuccessfulPush === undefined
        ? {}
        : { lastSuccessfulPush: new Date(state.lastSuccessfulPush).toISOString() }),
      ...(lastError === undefined ? {} : { lastError }),
    }
  }

  const heartbeatLog = createOutcomeLog(logger, 'heartbeat')
  const heartbeat = createHeartbeat({
    intervalMs: settings.heartbeatIntervalMs,
    minGapMs: Math.min(5000, settings.heartbeatIntervalMs),
    report,
    send: (body, signal) => options.sink.sendStatus(body, signal),
    onOutcome: (outcome) => {
      metrics.heartbeats.inc({ outcome: outcome.kind })
      heartbeatLog(outcome)
    },
  })
  // The first heartbeat waits for the version read, which gives up within its 10 s timeout.
  const startHeartbeat = (): void => {
    if (started) return
    started = true
    heartbeat.start()
  }

  const podLog = createOutcomeLog(logger, 'pod report')
  const annotationKey = injectedAnnotationKey(settings.annotationNamespace)
  const pods = settings.reportPods
    ? createPodReporter({
        intervalMs: settings.reportPodsIntervalMs,
        firstDelayMs: Math.min(5000, settings.reportPodsIntervalMs),
        count: (signal) =>
          countInjectedPods({
            listPage: options.listPods,
            annotationKey,
            pageSize: settings.reportPodsPageSize,
            maxRestarts: MAX_LIST_RESTARTS,
            maxRows: MAX_POD_ROWS,
            now: () => new Date(),
            signal,
          }),
        send: (body, signal) => options.sink.sendPods(body, signal),
        onRound: (round, durationMs) => onPodRound(round, durationMs),
      })
    : undefined

  const recordError = (message: string): void => {
    // The status leaves the cluster: never a token in it, whatever an error quoted.
    const text = redactTokens(message).slice(0, MAX_ERROR_CHARS)
    lastError = { at: new Date().toISOString(), message: text }
    heartbeat.changed()
  }

  const onPodRound = (round: PodReportRound, durationMs: number): void => {
    if (round.kind === 'list failed') {
      metrics.podReports.inc({ outcome: 'error' })
      podLog({ kind: 'error', message: `listing pods failed: ${round.message}` })
      recordError(`pod report: listing pods failed: ${round.message}`)
      return
    }
    const { count, outcome } = round
    metrics.podReports.inc({ outcome: outcome.kind })
    podLog(outcome)
    const fields = {
      pods: count.report.totalPods,
      rows: count.report.counts.length,
      pages: count.pages,
      restarts: count.restarts,
      unreadableStamps: count.unreadable,
      durationMs,
    }
    if (count.folded > 0) {
      logger.warn(
        { ...fields, folded: count.folded, maxRows: MAX_POD_ROWS },
        'pod report too long: the smallest rows were merged per config@hash (namespace "*")',
      )
    }
    if (outcome.kind === 'ok') logger.info(fields, 'pods reported')
  }

  return {
    start: () => {
      version.refresh()
      pods?.start()
    },
    changed: () => heartbeat.changed(),
    error: recordError,
    reconnected: () => version.refresh(),
    stop: () => {
      version.stop()
      heartbeat.stop()
      pods?.stop()
    },
  }
}

/**
 * Logs outcomes without flooding: a failure at warn when its message is new or every
 * REPEAT_LOG_MS, the first 404 once at info, and the first success after failures.
 */
function createOutcomeLog(logger: RelayLogger, what: string): (outcome: FleetOutcome) => void {
  let lastMessage: string | undefined
  let lastLoggedAt = 0
  let suppressed = 0
  let failing = false
  let toldUnsupported = false
  return (outcome) => {
    switch (outcome.kind) {
      case 'ok':
        if (failing) logger.info({ suppressed }, `${what} delivered again`)
        failing = false
        lastMessage = undefined
        suppressed = 0
        return
      case 'unsupported':
        if (!toldUnsupported) {
          logger.info(
            {},
            `the Worker has no ${what} route (404: an older version); the relay keeps trying each period`,
          )
        }
        toldUnsupported = true
        return
      case 'error': {
        failing = true
        const now = Date.now()
        if (outcome.message === lastMessage && now - lastLoggedAt < REPEAT_LOG_MS) {
          suppressed += 1
          return
        }
        logger.warn(
          { error: outcome.message, status: outcome.status, suppressed },
          `${what} failed; retried next period`,
        )
        lastMessage = outcome.message
        lastLoggedAt = now
        suppressed = 0
        return
      }
      default:
        outcome satisfies never
    }
  }
}
