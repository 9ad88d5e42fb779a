import { describe, expect, it } from 'vitest'
import { computeBackoff } from '../../relay/backoff.ts'

const options = { baseMs: 250, maxMs: 30_000 }

describe('computeBackoff', () => {
  it.each([
    [1, 125, 250],
    [2, 250, 500],
    [3, 500, 1000],
    [8, 15_000, 30_000],
    [9, 15_000, 30_000],
    [1000, 15_000, 30_000],
  ])('attempt %i lies between %i and %i ms', (attempt, low, high) => {
    expect(computeBackoff(attempt, options, () => 0)).toBe(low)
    expect(computeBackoff(attempt, options, () => 1)).toBe(high)
    const mid = computeBackoff(attempt, options, () => 0.5)
    expect(mid).toBeGreaterThan(low)
    expect(mid).toBeLessThan(high)
  })

  it('never exceeds the cap, whatever the dice', () => {
    for (let attempt = 1; attempt < 50; attempt++) {
      expect(
        computeBackoff(attempt, { baseMs: 100, maxMs: 2000 }, Math.random),
      ).toBeLessThanOrEqual(2000)
    }
  })
})
