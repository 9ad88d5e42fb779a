import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FleetOutcome } from '../../relay/fleet-sink.ts'
import { createHeartbeat } from '../../relay/heartbeat.ts'
import type { ClusterStatusReport } from '../../shared/fleet-api.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function statusWith(valid: number): ClusterStatusReport {
  return {
    relayVersion: '1.0.0',
    instance: 'relay-0',
    namespaces: ['sidecars'],
    labels: 'app=k8s-sidecar-injector',
    configs: { seen: valid, valid, invalid: 0 },
  }
}

/** A heartbeat over a scripted sink (default ok), answering after `latencyMs`. */
function setup(options: { script?: FleetOutcome[]; latencyMs?: number } = {}) {
  const started = Date.now()
  let current = statusWith(1)
  const sent: { at: number; valid: number; signal: AbortSignal }[] = []
  const outcomes: FleetOutcome['kind'][] = []
  const heartbeat = createHeartbeat({
    intervalMs: 60_000,
    minGapMs: 5000,
    report: () => current,
    send: (report, signal) => {
      sent.push({ at: Date.now() - started, valid: report.configs.valid, signal })
      const outcome = options.script?.shift() ?? { kind: 'ok' }
      if (options.latencyMs === undefined) return Promise.resolve(outcome)
      return new Promise((resolve) => setTimeout(() => resolve(outcome), options.latencyMs))
    },
    onOutcome: (outcome) => outcomes.push(outcome.kind),
  })
  return {
    heartbeat,
    sent,
    outcomes,
    set: (valid: number) => {
      current = statusWith(valid)
      heartbeat.changed()
    },
    at: () => sent.map((s) => s.at),
  }
}

describe('createHeartbeat', () => {
  it('sends one at start, then one every 60 s while nothing changes', async () => {
    const { heartbeat, at } = setup()
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(at()).toEqual([0])
    await vi.advanceTimersByTimeAsync(59_999)
    expect(at()).toEqual([0])
    await vi.advanceTimersByTimeAsync(1)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(at()).toEqual([0, 60_000, 120_000, 180_000])
    heartbeat.stop()
  })

  it('sends a change at once when the last heartbeat is older than the gap, and counts the period from it', async () => {
    const { heartbeat, sent, set, at } = setup()
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(20_000)
    set(2)
    await vi.advanceTimersByTimeAsync(0)
    expect(at()).toEqual([0, 20_000])
    expect(sent.at(-1)?.valid).toBe(2)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(at()).toEqual([0, 20_000, 80_000])
    heartbeat.stop()
  })

  it('ignores a change back to what the Worker already has', async () => {
    const { heartbeat, set, at } = setup()
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(10_000)
    set(1)
    set(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(at()).toEqual([0])
    heartbeat.stop()
  })

  it('sends a burst of changes as one heartbeat at the end of the gap, with the latest status', async () => {
    const { heartbeat, sent, set, at } = setup()
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(1000)
    set(2)
    await vi.advanceTimersByTimeAsync(1000)
    set(3)
    set(4)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(at()).toEqual([0, 5000])
    expect(sent.at(-1)?.valid).toBe(4)
    heartbeat.stop()
  })

  it('looks again after a heartbeat in flight when the status changed meanwhile', async () => {
    const { heartbeat, sent, set, at } = setup({ latencyMs: 2000 })
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(1000)
    set(7)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(at()).toEqual([0, 5000])
    expect(sent.map((s) => s.valid)).toEqual([1, 7])
    heartbeat.stop()
  })

  it('retries a failed heartbeat at the next tick, not sooner, and reports every outcome', async () => {
    const { heartbeat, outcomes, at } = setup({
      script: [
        { kind: 'error', message: 'no answer from the Worker within 10000 ms' },
        { kind: 'unsupported' },
      ],
    })
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(at()).toEqual([0])
    await vi.advanceTimersByTimeAsync(62_000)
    expect(at()).toEqual([0, 60_000, 120_000])
    expect(outcomes).toEqual(['error', 'unsupported', 'ok'])
    heartbeat.stop()
  })

  it('still sends a change after a failure, since the Worker never got the last status', async () => {
    const { heartbeat, set, at } = setup({ script: [{ kind: 'error', message: 'refused' }] })
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(10_000)
    // Unchanged, but undelivered: a change notice re-sends it.
    set(1)
    await vi.advanceTimersByTimeAsync(0)
    expect(at()).toEqual([0, 10_000])
    heartbeat.stop()
  })

  it('stops ticking and abandons the heartbeat in flight when stopped', async () => {
    const { heartbeat, sent, at } = setup({ latencyMs: 30_000 })
    heartbeat.start()
    await vi.advanceTimersByTimeAsync(1000)
    heartbeat.stop()
    expect(sent[0]?.signal.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(300_000)
    expect(at()).toEqual([0])
  })
})
