import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startFleetReporting } from '../../relay/fleet-reporting.ts'
import type { FleetOutcome } from '../../relay/fleet-sink.ts'
import { createRelayMetrics } from '../../relay/metrics.ts'
import type { RelaySettings } from '../../relay/settings.ts'
import type { ClusterStatusReport } from '../../shared/fleet-api.ts'
import { TOKEN_A } from '../support/token-texts.ts'

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
  namespaces: { all: true },
  labels: { app: 'k8s-sidecar-injector', tier: 'x' },
  lifecyclePort: 0,
  resyncMs: 300_000,
  debounceMs: 250,
  debounceMaxMs: 2000,
  watchIdleTimeoutMs: 300_000,
  backoffMaxMs: 30_000,
  heartbeatIntervalMs: 60_000,
  reportPods: false,
  reportPodsIntervalMs: 300_000,
  reportPodsPageSize: 500,
  annotationNamespace: 'injector.tumblr.com',
  namespaceDefaults: false,
}

function setup(options: { answer: () => FleetOutcome; version: () => Promise<string> }) {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  const metrics = createRelayMetrics()
  const sent: ClusterStatusReport[] = []
  const fleet = startFleetReporting({
    settings: SETTINGS,
    instance: 'relay-0',
    logger,
    metrics,
    relayVersion: '0.1.0',
    readServerVersion: options.version,
    listPods: async () => ({ items: [] }),
    sink: {
      sendStatus: async (report) => {
        sent.push(report)
        return options.answer()
      },
      sendPods: async () => ({ kind: 'ok' }),
    },
    state: () => ({ configs: { seen: 0, valid: 0, invalid: 0 }, lastSuccessfulPush: undefined }),
  })
  const messages = (level: number) =>
    lines.filter((l) => l.level === level).map((l) => String(l.msg))
  return { fleet, sent, metrics, messages }
}

describe('startFleetReporting', () => {
  it('waits for the API server version before the first heartbeat, and reports the relay selection', async () => {
    const { fleet, sent } = setup({
      answer: () => ({ kind: 'ok' }),
      version: () => new Promise((resolve) => setTimeout(() => resolve('v1.32.0'), 500)),
    })
    fleet.start()
    await vi.advanceTimersByTimeAsync(400)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(200)
    expect(sent).toEqual([
      {
        relayVersion: '0.1.0',
        instance: 'relay-0',
        kubernetesVersion: 'v1.32.0',
        namespaces: ['*'],
        labels: 'app=k8s-sidecar-injector,tier=x',
        configs: { seen: 0, valid: 0, invalid: 0 },
      },
    ])
    fleet.stop()
  })

  it('sends heartbeats without a version when /version fails, and reads it again on reconnect', async () => {
    let fail = true
    const { fleet, sent, messages } = setup({
      answer: () => ({ kind: 'ok' }),
      version: async () => {
        if (fail) throw new Error('HTTP 403: forbidden')
        return 'v1.31.4'
      },
    })
    fleet.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(sent[0]?.kubernetesVersion).toBeUndefined()
    expect(messages(40)).toContain('API server version unreadable')
    fail = false
    fleet.reconnected()
    await vi.advanceTimersByTimeAsync(6000)
    expect(sent.at(-1)?.kubernetesVersion).toBe('v1.31.4')
    fleet.stop()
  })

  it('keeps the last error, trimmed and without tokens, in the status', async () => {
    const { fleet, sent } = setup({ answer: () => ({ kind: 'ok' }), version: async () => 'v1' })
    fleet.start()
    await vi.advanceTimersByTimeAsync(0)
    fleet.error(`push failed: ${'x'.repeat(2000)}`)
    await vi.advanceTimersByTimeAsync(6000)
    expect(sent.at(-1)?.lastError?.message).toHaveLength(500)
    expect(Date.parse(sent.at(-1)?.lastError?.at ?? '')).toBe(Date.now() - 6000)
    fleet.error(`ConfigMap watch failed: header Bearer ${TOKEN_A}`)
    await vi.advanceTimersByTimeAsync(6000)
    expect(sent.at(-1)?.lastError?.message).toBe('ConfigMap watch failed: header Bearer [redacted]')
    fleet.stop()
  })

  it('logs a 404 once at info and counts every heartbeat by outcome', async () => {
    const { fleet, metrics, messages } = setup({
      answer: () => ({ kind: 'unsupported' }),
      version: async () => 'v1',
    })
    fleet.start()
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    expect(messages(30).filter((m) => m.includes('no heartbeat route'))).toHaveLength(1)
    expect(messages(40)).toEqual([])
    const text = await metrics.registry.metrics()
    expect(text).toContain('relay_heartbeats_total{outcome="unsupported"} 6')
    expect(text).toContain('relay_heartbeats_total{outcome="ok"} 0')
    fleet.stop()
  })

  it('logs a repeated failure once per 10 min, a new message at once, and the recovery', async () => {
    let answer: FleetOutcome = { kind: 'error', status: 503, message: 'Worker answered 503: busy' }
    const { fleet, messages } = setup({ answer: () => answer, version: async () => 'v1' })
    fleet.start()
    await vi.advanceTimersByTimeAsync(9 * 60_000)
    expect(messages(40)).toEqual(['heartbeat failed; retried next period'])
    await vi.advanceTimersByTimeAsync(2 * 60_000)
    expect(messages(40)).toHaveLength(2)
    answer = { kind: 'error', message: 'no answer from the Worker within 10000 ms' }
    await vi.advanceTimersByTimeAsync(60_000)
    expect(messages(40)).toHaveLength(3)
    answer = { kind: 'ok' }
    await vi.advanceTimersByTimeAsync(60_000)
    expect(messages(30)).toContain('heartbeat delivered again')
    fleet.stop()
  })
})
