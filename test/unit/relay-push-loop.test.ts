import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DesiredSet } from '../../relay/desired-set.ts'
import {
  createPushLoop,
  type PushLoopOptions,
  type PushOutcome,
  type PushReport,
} from '../../relay/push-loop.ts'
import type { IngestRequest, IngestResponse } from '../../shared/ingest-api.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const OK: PushOutcome = {
  kind: 'ok',
  response: {
    cluster: 'c',
    results: [],
    stored: [],
    removed: [],
    unchanged: false,
    kvOps: { reads: 0, writes: 1 },
    revision: 1,
    published: true,
    pinned: false,
  } satisfies IngestResponse,
}

function setOf(...texts: string[]): DesiredSet {
  return {
    entries: texts.map((text) => ({
      text,
      source: { kind: 'ConfigMap', namespace: 'ns', name: text, key: 'k' },
    })),
    invalid: [],
  }
}

/** A sink whose answers come from a script (default OK), each after `latencyMs`. */
function scriptedSink(script: PushOutcome[] = [], latencyMs = 10) {
  const pushes: { at: number; texts: string[]; signal: AbortSignal }[] = []
  const start = Date.now()
  return {
    pushes,
    sink: {
      push: (request: IngestRequest, signal: AbortSignal) => {
        pushes.push({ at: Date.now() - start, texts: request.configs.map((c) => c.text), signal })
        const outcome = script.shift() ?? OK
        if (latencyMs === 0) return Promise.resolve(outcome)
        return new Promise<PushOutcome>((resolve) => setTimeout(() => resolve(outcome), latencyMs))
      },
    },
  }
}

function setup(options: Partial<PushLoopOptions> & Pick<PushLoopOptions, 'sink'>) {
  let current: DesiredSet | undefined = setOf('a')
  const reports: PushReport[] = []
  const loop = createPushLoop({
    random: () => 0.5,
    desired: () => current,
    resyncMs: 60_000,
    backoffMaxMs: 8000,
    onReport: (report) => reports.push(report),
    ...options,
  })
  return {
    loop,
    reports,
    setDesired: (set: DesiredSet | undefined) => {
      current = set
    },
  }
}

const failure = (status: number, retryAfterMs?: number): PushOutcome => ({
  kind: 'error',
  status,
  message: `Worker answered ${status}`,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
})

describe('createPushLoop', () => {
  it('pushes the full current set when asked, and reports the latency from the change', async () => {
    const { sink, pushes } = scriptedSink()
    const { loop, reports } = setup({ sink })
    loop.request(Date.now() - 300)
    await vi.advanceTimersByTimeAsync(20)
    expect(pushes.map((p) => p.texts)).toEqual([['a']])
    expect(reports).toHaveLength(1)
    expect(reports[0]?.outcome.kind).toBe('ok')
    expect(reports[0]?.latencyMs).toBe(310)
    expect(loop.lastSuccessAt()).toBe(Date.now() - 10)
  })

  it('pushes nothing while the source is out of sync', async () => {
    const { sink, pushes } = scriptedSink()
    const { loop, setDesired } = setup({ sink })
    setDesired(undefined)
    loop.request()
    loop.forcePush()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pushes).toEqual([])
    expect(loop.lastSuccessAt()).toBeUndefined()
  })

  it('retries failures with growing, capped backoff until one succeeds', async () => {
    const { sink, pushes } = scriptedSink(
      [failure(500), failure(502), failure(503), failure(500)],
      0,
    )
    const { loop, reports } = setup({ sink, backoffBaseMs: 1000, backoffMaxMs: 4000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(60_000)
    // random 0.5 => 3/4 of each ceiling: 750, 1500, 3000, then capped at 4000 => 3000.
    expect(pushes.map((p) => p.at)).toEqual([0, 750, 2250, 5250, 8250])
    expect(reports.map((r) => r.retryInMs)).toEqual([750, 1500, 3000, 3000, undefined])
    expect(reports.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5])
  })

  it('waits at least as long as Retry-After asks', async () => {
    const { sink, pushes } = scriptedSink([failure(429, 7000)], 0)
    const { loop } = setup({ sink })
    loop.request()
    await vi.advanceTimersByTimeAsync(6999)
    expect(pushes).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pushes).toHaveLength(2)
  })

  it('sends the newest set on the retry, not the one that failed, and nothing in between', async () => {
    const { sink, pushes } = scriptedSink([failure(503)], 0)
    const { loop, setDesired } = setup({ sink, backoffBaseMs: 1000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(100)
    setDesired(setOf('b'))
    loop.request()
    setDesired(setOf('b', 'c'))
    loop.request()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pushes.map((p) => p.texts)).toEqual([['a'], ['b', 'c']])
  })

  it('pushes once more after an in-flight push when the set changed meanwhile', async () => {
    const { sink, pushes } = scriptedSink([], 500)
    const { loop, setDesired } = setup({ sink })
    loop.request()
    await vi.advanceTimersByTimeAsync(100)
    setDesired(setOf('b'))
    loop.request()
    setDesired(setOf('c'))
    loop.request()
    await vi.advanceTimersByTimeAsync(5000)
    expect(pushes.map((p) => p.texts)).toEqual([['a'], ['c']])
  })

  it('skips a change that leaves the set as last pushed, but resyncs it periodically', async () => {
    const { sink, pushes } = scriptedSink([], 0)
    const { loop, reports } = setup({ sink, resyncMs: 10_000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(1000)
    loop.request()
    await vi.advanceTimersByTimeAsync(1000)
    expect(pushes).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(8000)
    expect(pushes.map((p) => p.at)).toEqual([0, 10_000])
    expect(reports[1]?.forced).toBe(true)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pushes.map((p) => p.at)).toEqual([0, 10_000, 20_000])
  })

  it('pushes an unchanged set after regaining sync when a resync was missed meanwhile', async () => {
    const { sink, pushes } = scriptedSink([], 0)
    const { loop, setDesired } = setup({ sink, resyncMs: 10_000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(1000)
    setDesired(undefined)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(pushes).toHaveLength(1)
    setDesired(setOf('a'))
    loop.request()
    await vi.advanceTimersByTimeAsync(0)
    expect(pushes.map((p) => p.at)).toEqual([0, 21_000])
  })

  it('confirms the first push, and any push after an unanswered one, with one more push', async () => {
    const lost: PushOutcome = { kind: 'error', message: 'socket hang up' }
    const { sink, pushes } = scriptedSink([OK, OK, lost], 0)
    const { loop, setDesired, reports } = setup({ sink, confirmAfterMs: 3000, resyncMs: 60_000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(3000)
    expect(pushes.map((p) => p.at)).toEqual([0, 3000])
    expect(reports[1]?.forced).toBe(true)
    await vi.advanceTimersByTimeAsync(1000)
    setDesired(setOf('b'))
    loop.request()
    await vi.advanceTimersByTimeAsync(10_000)
    // The lost push (4000) is retried (4188), then confirmed 3 s later; a 5xx would not be.
    expect(pushes.map((p) => p.at)).toEqual([0, 3000, 4000, 4188, 7188])
  })

  it('keeps a minimum gap between the end of one push and the start of the next', async () => {
    const { sink, pushes } = scriptedSink([], 100)
    const { loop, setDesired } = setup({ sink, minIntervalMs: 1000 })
    loop.request()
    await vi.advanceTimersByTimeAsync(200)
    setDesired(setOf('b'))
    loop.request()
    await vi.advanceTimersByTimeAsync(200)
    setDesired(setOf('c'))
    loop.request()
    await vi.advanceTimersByTimeAsync(5000)
    expect(pushes.map((p) => [p.at, p.texts])).toEqual([
      [0, ['a']],
      [1100, ['c']],
    ])
  })

  it('on stop, lets an in-flight push finish within the grace period', async () => {
    const { sink, pushes } = scriptedSink([], 300)
    const { loop, reports } = setup({ sink })
    loop.request()
    await vi.advanceTimersByTimeAsync(10)
    const stopped = loop.stop(1000)
    await vi.advanceTimersByTimeAsync(300)
    await stopped
    expect(reports.map((r) => r.outcome.kind)).toEqual(['ok'])
    expect(pushes[0]?.signal.aborted).toBe(false)
    loop.request()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pushes).toHaveLength(1)
  })

  it('on stop, aborts an in-flight push that outlasts the grace period', async () => {
    const { sink, pushes } = scriptedSink([], 60_000)
    const { loop } = setup({ sink })
    loop.request()
    await vi.advanceTimersByTimeAsync(10)
    const stopped = loop.stop(1000)
    await vi.advanceTimersByTimeAsync(1000)
    await stopped
    expect(pushes[0]?.signal.aborted).toBe(true)
  })

  it('counts a throwing sink as a failed push and retries', async () => {
    let calls = 0
    const { loop, reports } = setup({
      sink: {
        push: async () => {
          calls += 1
          if (calls === 1) throw new Error('socket hang up')
          return OK
        },
      },
    })
    loop.request()
    await vi.advanceTimersByTimeAsync(5000)
    expect(reports.map((r) => r.outcome.kind)).toEqual(['error', 'ok'])
    expect(reports[0]?.outcome).toMatchObject({ message: 'socket hang up' })
  })
})
