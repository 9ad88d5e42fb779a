import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../relay/duration.ts'

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0', 0],
    [' 30s ', 30_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms })
  })

  it.each(['', '5', 'soon', '5 m', '-1s', '2d', 's', '1s2'])('refuses %j', (text) => {
    const result = parseDuration(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toMatch(/duration/)
  })

  it('refuses durations beyond what a timer can hold', () => {
    expect(parseDuration('1000h').ok).toBe(false)
  })
})

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [2000, '2s'],
    [1500, '1.5s'],
    [300_000, '5m'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
