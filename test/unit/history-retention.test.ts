import { describe, expect, it } from 'vitest'
import { selectExpiredRevisions } from '../../shared/history-retention.ts'

const DAY = 24 * 60 * 60 * 1000
const NOW = Date.parse('2026-03-31T00:00:00.000Z')

/** Revisions 1..n, revision i recorded `ageDays(i)` days before NOW. */
const revisions = (n: number, ageDays: (revision: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ revision: i + 1, atMs: NOW - ageDays(i + 1) * DAY }))

describe('selectExpiredRevisions (the last N or D days, whichever is more)', () => {
  it.each([
    [
      'fewer revisions than N, all old',
      revisions(10, () => 100),
      { minRevisions: 50, minDays: 30 },
      [],
    ],
    ['more than N, all recent', revisions(80, () => 1), { minRevisions: 50, minDays: 30 }, []],
    [
      'more than N, the oldest past D days',
      revisions(55, (r) => (r <= 7 ? 40 : 1)),
      { minRevisions: 50, minDays: 30 },
      [1, 2, 3, 4, 5],
    ],
    [
      'past D days but among the newest N',
      revisions(12, (r) => 100 - r),
      { minRevisions: 10, minDays: 30 },
      [1, 2],
    ],
    ['D of 0 keeps exactly N', revisions(6, () => 0.5), { minRevisions: 4, minDays: 0 }, [1, 2]],
    [
      'exactly D days old is kept',
      revisions(3, (r) => (r === 1 ? 30 : 1)),
      { minRevisions: 1, minDays: 30 },
      [],
    ],
  ])('%s', (_, recorded, policy, expired) => {
    expect(selectExpiredRevisions(recorded, policy, NOW)).toEqual(expired)
  })

  it('keeps the revisions it is told to keep, however old (served, last push)', () => {
    const recorded = revisions(8, () => 90)
    const policy = { minRevisions: 3, minDays: 30 }
    expect(selectExpiredRevisions(recorded, policy, NOW)).toEqual([1, 2, 3, 4, 5])
    expect(selectExpiredRevisions(recorded, policy, NOW, [2, 5])).toEqual([1, 3, 4])
  })

  it('reads the list in any order and answers oldest first', () => {
    const recorded = revisions(6, (r) => 60 - r).reverse()
    expect(selectExpiredRevisions(recorded, { minRevisions: 2, minDays: 1 }, NOW)).toEqual([
      1, 2, 3, 4,
    ])
  })
})
