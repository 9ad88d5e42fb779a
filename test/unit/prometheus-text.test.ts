import { describe, expect, it } from 'vitest'
import { parseMetrics } from '../support/prometheus-text.ts'

const PAGE = `# HELP relay_pushes_total Pushes by outcome.
# TYPE relay_pushes_total counter
relay_pushes_total{outcome="ok"} 7
relay_pushes_total{outcome="error"} 2
relay_watch_restarts_total 3
relay_event_to_push_seconds_bucket{le="0.5",kind="a\\"b"} 4
relay_last_successful_push_timestamp_seconds 1.7e9
`

describe('parseMetrics', () => {
  it.each([
    ['relay_pushes_total', { outcome: 'ok' }, 7],
    ['relay_pushes_total', { outcome: 'error' }, 2],
    ['relay_watch_restarts_total', {}, 3],
    ['relay_event_to_push_seconds_bucket', { kind: 'a"b', le: '0.5' }, 4],
    ['relay_last_successful_push_timestamp_seconds', {}, 1.7e9],
    ['relay_pushes_total', {}, undefined],
    ['relay_configs', { state: 'valid' }, undefined],
  ])('%s %o is %s', (name, labels, value) => {
    expect(parseMetrics(PAGE).value(name, labels)).toBe(value)
  })
})
