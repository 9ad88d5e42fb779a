import { describe, expect, it } from 'vitest'
import type { AdmissionCount } from '../../shared/fleet-metrics.ts'
import { createAdmissionCounter } from '../../worker/fleet/admission-counter.ts'
import type { FleetRegistry } from '../../worker/fleet/fleet-registry.ts'

function setup(
  addAdmissions: (counts: readonly AdmissionCount[]) => Promise<void>,
  maxSeries?: number,
) {
  let t = 0
  const errors: unknown[] = []
  const waits: Promise<unknown>[] = []
  const counter = createAdmissionCounter({
    fleet: () => ({ addAdmissions }) as unknown as FleetRegistry,
    intervalMs: 5000,
    now: () => t,
    onError: (error) => errors.push(error),
    ...(maxSeries === undefined ? {} : { maxSeries }),
  })
  const flush = async () => {
    counter.flush((p) => waits.push(p))
    await Promise.allSettled(waits)
  }
  return { counter, errors, flush, advance: (ms: number) => (t += ms) }
}

describe('the isolate admission counter', () => {
  it('aggregates in memory and sends at most once per interval, the first at once', async () => {
    const sent: AdmissionCount[][] = []
    const { counter, flush, advance } = setup(async (counts) => {
      sent.push([...counts])
    })
    counter.record('prod', 'inject', 'injected', ['logger:v1', 'metrics:v1'])
    await flush()
    counter.record('prod', 'inject', 'injected', ['logger:v1'])
    counter.record('prod', 'inject', 'injected', ['logger:v1'])
    counter.record('prod', 'skip', 'no_request', [])
    await flush()
    expect(sent).toHaveLength(1)
    advance(5000)
    await flush()
    expect(sent).toEqual([
      [
        { cluster: 'prod', decision: 'inject', reason: 'injected', config: 'logger:v1', count: 1 },
        { cluster: 'prod', decision: 'inject', reason: 'injected', config: 'metrics:v1', count: 1 },
      ],
      [
        { cluster: 'prod', decision: 'inject', reason: 'injected', config: 'logger:v1', count: 2 },
        { cluster: 'prod', decision: 'skip', reason: 'no_request', config: '', count: 1 },
      ],
    ])
    expect(counter.pending()).toBe(0)
  })

  it('keeps the counts of a failed send for the next one, and never throws', async () => {
    let fail = true
    const sent: AdmissionCount[][] = []
    const { counter, flush, advance, errors } = setup(async (counts) => {
      if (fail) throw new Error('fleet down')
      sent.push([...counts])
    })
    counter.record('prod', 'inject', 'injected', ['logger:v1'])
    await flush()
    expect(errors).toHaveLength(1)
    expect(counter.pending()).toBe(1)
    fail = false
    counter.record('prod', 'inject', 'injected', ['logger:v1'])
    advance(5000)
    await flush()
    expect(sent).toEqual([
      [{ cluster: 'prod', decision: 'inject', reason: 'injected', config: 'logger:v1', count: 2 }],
    ])
  })

  it('holds at most maxSeries series and says how many counts it dropped', async () => {
    const { counter, flush, errors } = setup(async () => {}, 2)
    for (const config of ['a:v1', 'b:v1', 'c:v1'])
      counter.record('prod', 'skip', 'missing_config', [config])
    expect(counter.pending()).toBe(2)
    await flush()
    expect(String(errors[0])).toContain('1 admission counts dropped')
  })
})
