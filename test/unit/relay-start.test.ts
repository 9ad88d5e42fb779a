import type { CoreV1Event } from '@kubernetes/client-node'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  ConfigMapClient,
  ConfigMapWatchEvent,
  WatchEnd,
} from '../../relay/configmap-client.ts'
import type { FleetOutcome } from '../../relay/fleet-sink.ts'
import { createRelayMetrics } from '../../relay/metrics.ts'
import { type NamespaceRecord, readNamespaceRecord } from '../../relay/namespace-default.ts'
import type { PushOutcome } from '../../relay/push-loop.ts'
import type { ListWatch, WatchEvent } from '../../relay/reflector.ts'
import { startRelay } from '../../relay/relay.ts'
import type { RelaySettings } from '../../relay/settings.ts'
import type { ClusterStatusReport, PodReport } from '../../shared/fleet-api.ts'
import type { IngestRequest } from '../../shared/ingest-api.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const SETTINGS: RelaySettings = {
  cluster: 'c1',
  scope: 'c1',
  workerUrl: 'http://w',
  tokenFile: '/t',
  namespaces: { all: false, names: ['ns'] },
  labels: { app: 'k8s-sidecar-injector' },
  lifecyclePort: 0,
  resyncMs: 10_000,
  debounceMs: 250,
  debounceMaxMs: 2000,
  watchIdleTimeoutMs: 60_000,
  backoffMaxMs: 4000,
  heartbeatIntervalMs: 60_000,
  reportPods: false,
  reportPodsIntervalMs: 300_000,
  reportPodsPageSize: 500,
  annotationNamespace: 'injector.tumblr.com',
  namespaceDefaults: false,
}

const text = (name: string) => `name: ${name}\ncontainers:\n  - name: ${name}\n    image: busybox\n`

function setup(
  options: {
    listFails?: () => boolean
    rejectKey?: string
    /** This key is accepted with a note. */
    noteKey?: string
    /** The Worker answers that the set was unchanged. */
    unchanged?: boolean
    answerPushes?: number
    pushFails?: () => boolean
    settings?: Partial<RelaySettings>
    namespaces?: ListWatch<NamespaceRecord>
  } = {},
) {
  const watches: { emit: (e: ConfigMapWatchEvent) => void; end: (e: WatchEnd) => void }[] = []
  const client: ConfigMapClient = {
    list: async () => {
      if (options.listFails?.() === true) throw new Error('connect ECONNREFUSED')
      return {
        items: [
          {
            namespace: 'ns',
            name: 'cm',
            uid: 'u1',
            resourceVersion: '5',
            data: { 'a.yaml': text('a'), 'b.yaml': text('b'), 'bad.yaml': 'name: [' },
          },
        ],
        resourceVersion: '5',
      }
    },
    watch: async (_ns, _labels, _rv, onEvent, onEnd) => {
      watches.push({ emit: onEvent, end: onEnd })
      return { abort: () => {} }
    },
  }
  const pushes: IngestRequest[] = []
  const sink = {
    push: async (request: IngestRequest): Promise<PushOutcome> => {
      pushes.push(request)
      if (options.pushFails?.() === true) {
        return { kind: 'error', status: 503, message: 'Worker answered 503: busy' }
      }
      // Past `answerPushes`, the Worker takes its time: the push stays in flight.
      if (pushes.length > (options.answerPushes ?? Number.POSITIVE_INFINITY)) {
        await new Promise(() => {})
      }
      return {
        kind: 'ok',
        response: {
          cluster: 'c1',
          results: request.configs.map((entry, index) =>
            entry.source.kind === 'ConfigMap' && entry.source.key === options.rejectKey
              ? {
                  index,
                  status: 'rejected' as const,
                  ref: 'b:latest',
                  issues: [
                    {
                      path: 'containers[0].securityContext.privileged',
                      message: 'host access refused',
                    },
                  ],
                  source: entry.source,
                }
              : {
                  index,
                  status: 'accepted' as const,
                  ref: 'x',
                  hash: 'h',
                  source: entry.source,
                  ...(entry.source.kind === 'ConfigMap' && entry.source.key === options.noteKey
                    ? { notes: [{ path: 'env[0].value', message: 'number read as a string' }] }
                    : {}),
                },
          ),
          stored: [],
          removed: [],
          unchanged: options.unchanged ?? false,
          kvOps: { reads: 0, writes: 1 },
          revision: 1,
          published: true,
          pinned: false,
        },
      }
    },
  }
  const events: CoreV1Event[] = []
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  const metrics = createRelayMetrics()
  const statuses: { at: number; report: ClusterStatusReport }[] = []
  const podReports: PodReport[] = []
  const started = Date.now()
  const relay = startRelay({
    settings: { ...SETTINGS, ...options.settings },
    source: client,
    ...(options.namespaces === undefined ? {} : { namespaces: options.namespaces }),
    sink,
    postEvent: async (event) => {
      events.push(event)
    },
    random: () => 0.5,
    logger,
    metrics,
    instance: 'pod-1',
    fleet: {
      sink: {
        sendStatus: async (report): Promise<FleetOutcome> => {
          statuses.push({ at: Date.now() - started, report })
          return { kind: 'ok' }
        },
        sendPods: async (report): Promise<FleetOutcome> => {
          podReports.push(report)
          return { kind: 'ok' }
        },
      },
      readServerVersion: async () => 'v1.31.2',
      listPods: async () => ({
        items: [
          {
            namespace: 'web',
            annotations: { 'injector.tumblr.com/injected': 'a:latest@0a1b2c3d' },
          },
          { namespace: 'web' },
        ],
      }),
      relayVersion: '9.9.9',
    },
  })
  const elapsed = () => Date.now() - started
  return { relay, pushes, events, lines, metrics, watches, statuses, podReports, elapsed }
}

describe('startRelay', () => {
  it('lists, pushes the valid configs once debounced, reports the bad key, and turns ready', async () => {
    const { relay, pushes, events, lines, metrics } = setup()
    expect(relay.notReadyReason()).toBe('no successful push yet')
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(1)
    expect(pushes[0]?.configs.map((c) => c.source.kind === 'ConfigMap' && c.source.key)).toEqual([
      'a.yaml',
      'b.yaml',
    ])
    expect(relay.notReadyReason()).toBeUndefined()
    await vi.advanceTimersByTimeAsync(0)
    expect(events.map((e) => [e.reason, e.involvedObject.name])).toEqual([
      ['InvalidSidecarConfig', 'cm'],
    ])
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'relay started',
        'configmaps listed',
        'invalid config',
        'push succeeded',
      ]),
    )
    const text = await metrics.registry.metrics()
    expect(text).toContain('relay_configs{state="valid"} 2')
    expect(text).toContain('relay_configs{state="invalid"} 1')
    expect(text).toContain('relay_pushes_total{outcome="ok"} 1')
    await relay.stop(1000)
    expect(relay.notReadyReason()).toBe('shutting down')
  })

  it('reports configs the Worker rejects as Events too, and counts them invalid', async () => {
    const { relay, events, metrics } = setup({ rejectKey: 'b.yaml' })
    await vi.advanceTimersByTimeAsync(300)
    await vi.advanceTimersByTimeAsync(0)
    const messages = events.map((e) => e.message)
    expect(messages).toEqual([
      expect.stringContaining('"bad.yaml"'),
      expect.stringContaining(
        '"b.yaml" (b:latest): containers[0].securityContext.privileged: host access refused',
      ),
    ])
    const text = await metrics.registry.metrics()
    expect(text).toContain('relay_configs{state="valid"} 1')
    expect(text).toContain('relay_configs{state="invalid"} 2')
    await relay.stop(1000)
  })

  it.each([
    [false, ['env[0].value: number read as a string']],
    [true, undefined],
  ])(
    'logs the notes of an accepted config when the set changed (unchanged: %s)',
    async (unchanged, notes) => {
      const { relay, lines } = setup({ noteKey: 'a.yaml', unchanged })
      await vi.advanceTimersByTimeAsync(300)
      const logged = lines.find((l) => l.msg === 'config accepted with notes')
      expect(logged?.notes).toEqual(notes)
      if (notes !== undefined) {
        expect(logged).toMatchObject({ level: 40, source: { kind: 'ConfigMap', key: 'a.yaml' } })
      }
      await relay.stop(1000)
    },
  )

  it('keeps counting a Worker rejection as invalid when another ConfigMap changes', async () => {
    const { relay, metrics, watches, pushes } = setup({ rejectKey: 'b.yaml', answerPushes: 1 })
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(1)
    watches[0]?.emit({
      type: 'ADDED',
      object: {
        namespace: 'ns',
        name: 'other',
        resourceVersion: '6',
        data: { 'c.yaml': text('c') },
      },
    })
    // The relay recomputes its set for the next push, which the Worker has not answered yet.
    await vi.advanceTimersByTimeAsync(2000)
    expect(pushes.at(-1)?.configs).toHaveLength(3)
    const text1 = await metrics.registry.metrics()
    expect(text1).toContain('relay_configs{state="valid"} 2')
    expect(text1).toContain('relay_configs{state="invalid"} 2')
    // The push still in flight is abandoned after the grace period.
    const stopped = relay.stop(10)
    await vi.advanceTimersByTimeAsync(100)
    await stopped
  })

  it('goes unready when the API server is lost, since no resync push goes out then', async () => {
    let down = false
    const { relay, pushes, watches } = setup({ listFails: () => down })
    await vi.advanceTimersByTimeAsync(300)
    expect(relay.notReadyReason()).toBeUndefined()
    down = true
    watches[0]?.end({ error: { message: 'TypeError: terminated' } })
    await vi.advanceTimersByTimeAsync(19_000)
    expect(relay.notReadyReason()).toBeUndefined()
    await vi.advanceTimersByTimeAsync(2000)
    expect(relay.notReadyReason()).toMatch(/last successful push 2\d s ago/)
    expect(pushes).toHaveLength(1)
    down = false
    await vi.advanceTimersByTimeAsync(5000)
    expect(relay.notReadyReason()).toBeUndefined()
    expect(pushes).toHaveLength(2)
    await relay.stop(1000)
  })

  it('sends a heartbeat with versions, selection and counts, again on change, and every period', async () => {
    // No resync and no idle-watch restart within the test: only the period sends.
    const { relay, statuses, elapsed } = setup({
      settings: { resyncMs: 600_000, watchIdleTimeoutMs: 600_000 },
    })
    await vi.advanceTimersByTimeAsync(300)
    // The first heartbeat waits for the API server version; the push right after is a change.
    expect(statuses[0]?.report).toMatchObject({
      relayVersion: '9.9.9',
      instance: 'pod-1',
      kubernetesVersion: 'v1.31.2',
      namespaces: ['ns'],
      labels: 'app=k8s-sidecar-injector',
    })
    // The push and its confirmation 3 s later change the last successful push.
    await vi.advanceTimersByTimeAsync(10_000)
    const last = statuses.at(-1)?.report
    expect(last).toMatchObject({ configs: { seen: 3, valid: 2, invalid: 1 } })
    expect(Date.parse(last?.lastSuccessfulPush ?? '')).toBeGreaterThan(0)
    expect(last?.lastError).toBeUndefined()
    const quietFrom = statuses.length
    const lastAt = statuses.at(-1)?.at ?? 0
    await vi.advanceTimersByTimeAsync(lastAt + 59_000 - elapsed())
    expect(statuses.slice(quietFrom)).toEqual([])
    await vi.advanceTimersByTimeAsync(2000)
    expect(statuses.slice(quietFrom).map((s) => s.at - lastAt)).toEqual([60_000])
    await relay.stop(1000)
  })

  it('carries the last push error in the heartbeat', async () => {
    const { relay, statuses } = setup({ pushFails: () => true })
    await vi.advanceTimersByTimeAsync(6000)
    expect(statuses.at(-1)?.report.lastError).toEqual({
      at: expect.any(String),
      message: 'push failed: Worker answered 503: busy',
    })
    expect(statuses.at(-1)?.report.lastSuccessfulPush).toBeUndefined()
    await relay.stop(1000)
  })

  it('reports injected pods per config@hash only with --report-pods', async () => {
    const off = setup()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(off.podReports).toEqual([])
    await off.relay.stop(1000)
    const on = setup({ settings: { reportPods: true, reportPodsIntervalMs: 60_000 } })
    await vi.advanceTimersByTimeAsync(6000)
    expect(on.podReports).toEqual([
      {
        listedAt: expect.any(String),
        totalPods: 2,
        counts: [{ config: 'a:latest', hash: '0a1b2c3d', namespace: 'web', pods: 1 }],
      },
    ])
    expect(await on.metrics.registry.metrics()).toContain('relay_pod_reports_total{outcome="ok"} 1')
    await on.relay.stop(1000)
  })
})

describe('startRelay: cluster facts with the push', () => {
  const KEY = 'injector.tumblr.com/request'
  function namespaces(lists: (NamespaceRecord[] | Error)[]) {
    const watches: { emit: (e: WatchEvent<NamespaceRecord>) => void }[] = []
    const listWatch: ListWatch<NamespaceRecord> = {
      list: async () => {
        const answer = lists.shift() ?? new Error('no scripted answer')
        if (answer instanceof Error) throw answer
        return { items: answer, resourceVersion: '50' }
      },
      watch: async (_rv, onEvent) => {
        watches.push({ emit: onEvent })
        return { abort: () => {} }
      },
    }
    const annotated = (name: string, request?: string, rv = '60') =>
      readNamespaceRecord(
        { metadata: { name, resourceVersion: rv, annotations: request ? { [KEY]: request } : {} } },
        KEY,
      )
    return { listWatch, watches, annotated }
  }

  it('sends no cluster facts when neither flag is set', async () => {
    const { relay, pushes } = setup()
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes[0]).not.toHaveProperty('cluster')
    await relay.stop(1000)
  })

  it('sends --cluster-labels with every push', async () => {
    const { relay, pushes } = setup({ settings: { clusterLabels: { region: 'eu' } } })
    await vi.advanceTimersByTimeAsync(300)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pushes.length).toBeGreaterThan(1)
    for (const push of pushes) expect(push.cluster).toEqual({ labels: { region: 'eu' } })
    await relay.stop(1000)
  })

  it('sends the namespace defaults, and pushes again when an annotation comes or goes', async () => {
    const ns = namespaces([[]])
    const { relay, pushes, lines } = setup({
      settings: { namespaceDefaults: true, clusterLabels: { region: 'eu' } },
      namespaces: ns.listWatch,
    })
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(1)
    expect(pushes[0]?.cluster).toEqual({ labels: { region: 'eu' }, namespaceDefaults: {} })
    expect(lines.map((l) => l.msg)).toContain('namespaces listed')

    // Past the confirmation push, so that only changes push.
    await vi.advanceTimersByTimeAsync(4000)
    const before = pushes.length
    ns.watches[0]?.emit({ type: 'MODIFIED', object: ns.annotated('shop', 'logger:v1', '61') })
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(before + 1)
    expect(pushes.at(-1)?.cluster?.namespaceDefaults).toEqual({ shop: 'logger:v1' })
    expect(pushes.at(-1)?.configs).toHaveLength(2)

    // A namespace update that leaves the defaults alone pushes nothing.
    ns.watches[0]?.emit({ type: 'MODIFIED', object: ns.annotated('web', undefined, '62') })
    await vi.advanceTimersByTimeAsync(2000)
    expect(pushes).toHaveLength(before + 1)

    ns.watches[0]?.emit({ type: 'MODIFIED', object: ns.annotated('shop', undefined, '63') })
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(before + 2)
    expect(pushes.at(-1)?.cluster).toEqual({ labels: { region: 'eu' }, namespaceDefaults: {} })
    await relay.stop(1000)
  })

  it('logs an invalid namespace annotation by name and leaves it out', async () => {
    const ns = namespaces([[]])
    const { relay, pushes, lines } = setup({
      settings: { namespaceDefaults: true },
      namespaces: ns.listWatch,
    })
    await vi.advanceTimersByTimeAsync(300)
    ns.watches[0]?.emit({ type: 'ADDED', object: ns.annotated('bad', 'a:b:c', '61') })
    await vi.advanceTimersByTimeAsync(2000)
    expect(pushes.at(-1)?.cluster).toEqual({ namespaceDefaults: {} })
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'namespace default ignored: invalid request',
        namespace: 'bad',
        problem: expect.stringContaining('more than one ":"'),
      }),
    )
    await relay.stop(1000)
  })

  it('keeps pushing ConfigMaps without namespace defaults while namespaces cannot be listed', async () => {
    const ns = namespaces(
      Array.from({ length: 50 }, () => new Error('HTTP 403: namespaces is forbidden')),
    )
    const { relay, pushes, statuses } = setup({
      settings: { namespaceDefaults: true },
      namespaces: ns.listWatch,
    })
    await vi.advanceTimersByTimeAsync(300)
    expect(pushes).toHaveLength(1)
    // Absent, not empty: the Worker keeps the defaults it holds.
    expect(pushes[0]).not.toHaveProperty('cluster')
    expect(pushes[0]?.configs).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(JSON.stringify(statuses.map((s) => s.report))).toContain(
      'listing namespaces failed: HTTP 403: namespaces is forbidden',
    )
    await relay.stop(1000)
  })
})
