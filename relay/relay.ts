import type { CoreV1Event } from '@kubernetes/client-node'
import type { ClusterFactsPush, IngestResponse } from '../shared/ingest-api.ts'
import { formatLabelSelector } from '../shared/label-selector.ts'
import type { ConfigMapClient } from './configmap-client.ts'
import { createConfigMapSource, type SourceNotice } from './configmap-source.ts'
import { createDebouncer } from './debouncer.ts'
import {
  buildDesiredSet,
  type ConfigMapRecord,
  type DesiredSet,
  type InvalidConfig,
} from './desired-set.ts'
import { createEventReporter, formatProblem } from './event-reporter.ts'
import { type FleetDeps, startFleetReporting } from './fleet-reporting.ts'
import type { RelayLogger } from './logger.ts'
import type { RelayMetrics } from './metrics.ts'
import type { NamespaceRecord } from './namespace-default.ts'
import { createNamespaceSource } from './namespace-source.ts'
import { createPushLoop, type PushReport, type PushSink } from './push-loop.ts'
import type { ListWatch } from './reflector.ts'
import type { RelaySettings } from './settings.ts'

/** Everything the relay talks to, passed in so tests can swap any of it. */
export interface RelayDeps {
  readonly settings: RelaySettings
  readonly source: ConfigMapClient
  /** Namespaces cluster-wide; read only with `settings.namespaceDefaults`. */
  readonly namespaces?: ListWatch<NamespaceRecord>
  readonly sink: PushSink
  readonly postEvent: (event: CoreV1Event) => Promise<void>
  readonly random: () => number
  readonly logger: RelayLogger
  readonly metrics: RelayMetrics
  /** This relay's name in Events and in its status (the pod name). */
  readonly instance: string
  /** Heartbeats and pod reports to the Worker's fleet routes. */
  readonly fleet: FleetDeps
}

/** A running relay. */
export interface Relay {
  /** Undefined when ready; otherwise why not (for `/readyz`). */
  notReadyReason(): string | undefined
  /** Stops watching, then finishes or abandons the in-flight push within `graceMs`. */
  stop(graceMs: number): Promise<void>
}

/** Wires source, debouncer, desired set, push loop, Events, logs, metrics and fleet reports. */
export function startRelay(deps: RelayDeps): Relay {
  const { settings, logger, metrics } = deps
  let stopping = false
  let version = 0
  let cached: { version: number; set: DesiredSet; records: ConfigMapRecord[] } | undefined
  let earliestChange: number | undefined

  const reporter = createEventReporter({
    post: deps.postEvent,
    now: () => new Date(),
    instance: deps.instance,
    onNew: (origin, problem) =>
      logger.warn({ ...describeProblem(problem), origin }, 'invalid config'),
    onPosted: (problem) => logger.debug(describeProblem(problem), 'event posted'),
    onError: (problem, message) =>
      logger.warn({ ...describeProblem(problem), error: message }, 'event failed'),
  })

  // Both sources pace their watches alike and push through the same debouncer.
  const pacing = {
    random: deps.random,
    idleTimeoutMs: settings.watchIdleTimeoutMs,
    backoffMaxMs: settings.backoffMaxMs,
  }
  const changed = (at: number) => {
    earliestChange = Math.min(at, earliestChange ?? at)
    debouncer.trigger()
  }
  const source = createConfigMapSource({
    ...pacing,
    client: deps.source,
    namespaces: settings.namespaces.all ? [undefined] : settings.namespaces.names,
    labelSelector: formatLabelSelector(settings.labels),
    onChange: (at) => {
      version += 1
      changed(at)
    },
    onNotice: (notice) => logNotice(notice, 'ConfigMaps'),
  })

  // Namespace defaults take the ConfigMaps' path: the same debouncer and push loop.
  if (settings.namespaceDefaults && deps.namespaces === undefined) {
    throw new Error('--namespace-defaults is on but no namespace list-watch was given')
  }
  let namespaceVersion = 0
  const namespaces =
    settings.namespaceDefaults && deps.namespaces !== undefined
      ? createNamespaceSource({
          ...pacing,
          listWatch: deps.namespaces,
          onChange: (at) => {
            namespaceVersion += 1
            changed(at)
          },
          onNotice: (notice) => logNotice(notice, 'namespaces'),
          onInvalid: (namespace, problem) =>
            logger.warn({ namespace, problem }, 'namespace default ignored: invalid request'),
        })
      : undefined

  // The Worker's last rejections still count as invalid while their keys are in the set, so
  // the gauges do not flip between the relay's own view and the Worker's after every change.
  let workerRejected: readonly InvalidConfig[] = []
  let statusConfigs = { seen: 0, valid: 0, invalid: 0 }
  const publishCounts = (set: DesiredSet): void => {
    const rejected = workerRejected.filter((problem) =>
      set.entries.some(
        ({ source }) =>
          source.kind === 'ConfigMap' &&
          source.namespace === problem.configMap.namespace &&
          source.name === problem.configMap.name &&
          source.key === problem.key,
      ),
    )
    const valid = set.entries.length - rejected.length
    const invalid = set.invalid.length + rejected.length
    metrics.configs.set({ state: 'valid' }, valid)
    metrics.configs.set({ state: 'invalid' }, invalid)
    statusConfigs = { seen: valid + invalid, valid, invalid }
    fleet.changed()
  }

  // Namespace defaults are sent only while the namespace watch is in sync: a push without them
  // keeps what the Worker holds, where an empty map from a failed list would drop them all.
  let facts: { version: number; synced: boolean; cluster: ClusterFactsPush | undefined } | undefined
  const clusterFacts = (): ClusterFactsPush | undefined => {
    const synced = namespaces?.synced() ?? false
    if (facts?.version !== namespaceVersion || facts.synced !== synced) {
      const labels = settings.clusterLabels
      const cluster: ClusterFactsPush = {
        ...(labels === undefined ? {} : { labels }),
        ...(namespaces !== undefined && synced ? { namespaceDefaults: namespaces.defaults() } : {}),
      }
      facts = {
        version: namespaceVersion,
        synced,
        cluster: Object.keys(cluster).length === 0 ? undefined : cluster,
      }
    }
    return facts.cluster
  }

  const currentSet = (): DesiredSet | undefined => {
    if (!source.synced()) return undefined
    if (cached?.version !== version) {
      const records = source.snapshot()
      const set = buildDesiredSet(records)
      cached = { version, set, records }
      reporter.report('relay', set.invalid)
      publishCounts(set)
    }
    const cluster = clusterFacts()
    return cluster === undefined ? cached.set : { ...cached.set, cluster }
  }

  const pushLoop = createPushLoop({
    random: deps.random,
    sink: deps.sink,
    desired: currentSet,
    resyncMs: settings.resyncMs,
    backoffMaxMs: settings.backoffMaxMs,
    // The Worker's clock only advances on I/O, so leave a margin over its 1 s rule.
    minIntervalMs: 1100,
    confirmAfterMs: 3000,
    onReport: (report) => onPushReport(report),
  })

  const debouncer = createDebouncer({
    delayMs: settings.debounceMs,
    maxDelayMs: settings.debounceMaxMs,
    fire: () => {
      const at = earliestChange
      earliestChange = undefined
      pushLoop.request(at)
    },
  })

  const fleet = startFleetReporting({
    ...deps.fleet,
    settings,
    instance: deps.instance,
    logger,
    metrics,
    state: () => ({ configs: statusConfigs, lastSuccessfulPush: pushLoop.lastSuccessAt() }),
  })

  // Set by a failed list or watch; the next successful list is a reconnect.
  let apiTrouble = false
  const logNotice = (notice: SourceNotice, resource: 'ConfigMaps' | 'namespaces'): void => {
    const where = resource === 'ConfigMaps' ? ` (namespace ${notice.namespace})` : ''
    switch (notice.kind) {
      case 'listed':
        if (resource === 'ConfigMaps') {
          logger.info(
            { namespace: notice.namespace, configMaps: notice.count },
            'configmaps listed',
          )
        } else {
          logger.info({ namespaceDefaults: notice.count }, 'namespaces listed')
        }
        if (apiTrouble) fleet.reconnected()
        apiTrouble = false
        return
      case 'list failed':
        apiTrouble = true
        fleet.error(`listing ${resource}${where} failed: ${notice.message}`)
        logger.warn(
          {
            resource,
            namespace: notice.namespace,
            error: notice.message,
            retryInMs: notice.retryInMs,
          },
          'list failed',
        )
        return
      case 'watch restarted':
        metrics.watchRestarts.inc()
        // An expired resourceVersion is routine (the watch resumes after a relist).
        if (notice.reason !== 'expired') {
          apiTrouble = true
          fleet.error(
            `${resource === 'ConfigMaps' ? 'ConfigMap' : 'namespace'} watch${where} restarted (${notice.reason}): ${notice.message}`,
          )
        }
        logger.warn(
          {
            resource,
            namespace: notice.namespace,
            reason: notice.reason,
            error: notice.message,
            retryInMs: notice.retryInMs,
          },
          'watch restarted',
        )
        return
      default:
        notice satisfies never
    }
  }

  const onPushReport = (report: PushReport): void => {
    const { outcome, set } = report
    const common = {
      configs: set.entries.length,
      invalid: set.invalid.length,
      attempt: report.attempt,
      durationMs: report.durationMs,
      forced: report.forced,
    }
    if (outcome.kind === 'error') {
      metrics.pushes.inc({ outcome: 'error' })
      fleet.error(`push failed: ${outcome.message}`)
      logger.warn(
        { ...common, status: outcome.status, error: outcome.message, retryInMs: report.retryInMs },
        'push failed',
      )
      return
    }
    metrics.pushes.inc({ outcome: 'ok' })
    metrics.lastSuccessfulPush.set(Date.now() / 1000)
    if (report.latencyMs !== undefined) metrics.eventToPush.observe(report.latencyMs / 1000)
    const rejected = workerRejections(outcome.response, cached?.records ?? [])
    reporter.report('worker', rejected)
    workerRejected = rejected
    publishCounts(set)
    // Findings that did not refuse a config (a tumblr scalar read as a string, say): logged when
    // the set changed, not again on every resync of the same set.
    if (outcome.response.unchanged !== true) {
      for (const result of outcome.response.results ?? []) {
        if (result.status !== 'accepted' || result.notes === undefined) continue
        logger.warn(
          {
            source: result.source,
            ref: result.ref,
            notes: result.notes.map((n) => (n.path === '' ? n.message : `${n.path}: ${n.message}`)),
          },
          'config accepted with notes',
        )
      }
    }
    logger.info(
      {
        ...common,
        rejected: rejected.length,
        stored: outcome.response.stored?.length,
        removed: outcome.response.removed?.length,
        unchanged: outcome.response.unchanged,
        kvOps: outcome.response.kvOps,
        latencyMs: report.latencyMs,
      },
      'push succeeded',
    )
  }

  logger.info(
    {
      cluster: settings.cluster,
      scope: settings.scope,
      namespaces: settings.namespaces.all ? '*' : settings.namespaces.names.join(','),
      labelSelector: formatLabelSelector(settings.labels),
      workerUrl: settings.workerUrl,
      clusterLabels: settings.clusterLabels,
      namespaceDefaults: settings.namespaceDefaults,
    },
    'relay started',
  )
  source.start()
  namespaces?.start()
  fleet.start()

  return {
    notReadyReason: () => {
      if (stopping) return 'shutting down'
      const last = pushLoop.lastSuccessAt()
      if (last === undefined) return 'no successful push yet'
      const age = Date.now() - last
      // A resync push only goes out while the source is in sync, so this covers both sides.
      if (age > 2 * settings.resyncMs) return `last successful push ${Math.round(age / 1000)} s ago`
      return undefined
    },
    stop: async (graceMs) => {
      stopping = true
      source.stop()
      namespaces?.stop()
      fleet.stop()
      debouncer.cancel()
      await pushLoop.stop(graceMs)
    },
  }
}

/** The Worker's rejections, located on the ConfigMaps they came from. */
function workerRejections(
  response: IngestResponse,
  records: readonly ConfigMapRecord[],
): InvalidConfig[] {
  const problems: InvalidConfig[] = []
  for (const result of response.results ?? []) {
    if (result.status !== 'rejected' || result.source.kind !== 'ConfigMap') continue
    const { namespace, name, key, resourceVersion } = result.source
    const record = records.find((r) => r.namespace === namespace && r.name === name)
    problems.push({
      configMap: {
        namespace,
        name,
        ...(record?.uid === undefined ? {} : { uid: record.uid }),
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      key,
      ...(result.ref === undefined ? {} : { ref: result.ref }),
      issues: result.issues,
    })
  }
  return problems
}

function describeProblem(problem: InvalidConfig): Record<string, unknown> {
  return {
    namespace: problem.configMap.namespace,
    configMap: problem.configMap.name,
    key: problem.key,
    ref: problem.ref,
    message: formatProblem(problem),
  }
}
