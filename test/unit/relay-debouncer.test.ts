import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDebouncer } from '../../relay/debouncer.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function setup(delayMs = 250, maxDelayMs = 2000) {
  const fired: number[] = []
  const start = Date.now()
  const debouncer = createDebouncer({
    delayMs,
    maxDelayMs,
    fire: () => fired.push(Date.now() - start),
  })
  return { debouncer, fired }
}

describe('createDebouncer', () => {
  it('fires once, a quiet delay after the last trigger', () => {
    const { debouncer, fired } = setup()
    debouncer.trigger()
    vi.advanceTimersByTime(100)
    debouncer.trigger()
    vi.advanceTimersByTime(249)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired).toEqual([350])
    vi.advanceTimersByTime(5000)
    expect(fired).toEqual([350])
  })

  it('fires at the maximum delay during a steady stream of triggers', () => {
    const { debouncer, fired } = setup(250, 1000)
    for (let t = 0; t < 3000; t += 50) {
      debouncer.trigger()
      vi.advanceTimersByTime(50)
    }
    vi.advanceTimersByTime(1000)
    // Each burst is cut 1 s after its first trigger; the last trigger (2950) is inside the third.
    expect(fired).toEqual([1000, 2000, 3000])
  })

  it('fires the tail of a stream a quiet delay after its last trigger', () => {
    const { debouncer, fired } = setup(250, 1000)
    for (let t = 0; t < 1500; t += 100) {
      debouncer.trigger()
      vi.advanceTimersByTime(100)
    }
    vi.advanceTimersByTime(1000)
    expect(fired).toEqual([1000, 1650])
  })

  it('flush fires a pending trigger now; cancel drops it', () => {
    const { debouncer, fired } = setup()
    debouncer.flush()
    expect(fired).toEqual([])
    debouncer.trigger()
    expect(debouncer.pending()).toBe(true)
    debouncer.flush()
    expect(fired).toEqual([0])
    debouncer.trigger()
    debouncer.cancel()
    vi.advanceTimersByTime(5000)
    expect(fired).toEqual([0])
    expect(debouncer.pending()).toBe(false)
  })
})
