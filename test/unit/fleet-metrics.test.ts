import { describe, expect, it } from 'vitest'
import { compareToServed, sumPodCounts } from '../../shared/drift.ts'
import { formatFleetMetrics } from '../../shared/fleet-metrics.ts'
import { parseMetrics } from '../support/prometheus-text.ts'

const FULL = `0a1b2c3d${'e'.repeat(56)}`

describe('drift', () => {
  it('sums namespaces per config@hash, most pods first', () => {
    expect(
      sumPodCounts([
        { config: 'a:v1', hash: '11111111', namespace: 'x', pods: 1 },
        { config: 'b:v1', hash: '22222222', namespace: 'x', pods: 2 },
        { config: 'a:v1', hash: '11111111', namespace: 'y', pods: 3 },
      ]),
    ).toEqual([
      { config: 'a:v1', hash: '11111111', pods: 4 },
      { config: 'b:v1', hash: '22222222', pods: 2 },
    ])
  })

  it('tells current, drifted and unserved pods apart by the short hash served now', () => {
    const served = (config: string) => (config === 'logger:v1' ? FULL : undefined)
    const { rows, drift } = compareToServed(
      [
        { config: 'logger:v1', hash: '0a1b2c3d', pods: 5 },
        { config: 'logger:v1', hash: '99999999', pods: 2 },
        { config: 'gone:v1', hash: '0a1b2c3d', pods: 1 },
      ],
      served,
    )
    expect(drift).toEqual({ current: 5, drifted: 2, unserved: 1 })
    expect(rows.map((r) => [r.state, r.served])).toEqual([
      ['current', '0a1b2c3d'],
      ['drifted', '0a1b2c3d'],
      ['unserved', undefined],
    ])
  })
})

describe('formatFleetMetrics', () => {
  it('writes the Prometheus text format, label values escaped', () => {
    const text = formatFleetMetrics(
      [
        { cluster: 'prod', decision: 'inject', reason: 'injected', config: 'logger:v1', count: 12 },
        { cluster: 'prod', decision: 'skip', reason: 'no_request', config: '', count: 3 },
        {
          cluster: 'prod',
          decision: 'skip',
          reason: 'missing_config',
          config: 'we"ird\\\n:v1',
          count: 1,
        },
      ],
      [
        {
          cluster: 'prod',
          syncAgeSeconds: 42,
          lastSeenSeconds: 1_800_000_000,
          pods: [
            {
              config: 'logger:v1',
              hash: '0a1b2c3d',
              pods: 7,
              served: '0a1b2c3d',
              state: 'current',
            },
          ],
        },
        { cluster: 'silent' },
      ],
    )
    expect(text).toContain('# TYPE sidecar_injector_admissions_total counter')
    expect(text).toContain('# TYPE sidecar_injector_pods gauge')
    expect(text.endsWith('\n')).toBe(true)
    const m = parseMetrics(text)
    const a = (labels: Record<string, string>) =>
      m.value('sidecar_injector_admissions_total', { cluster: 'prod', ...labels })
    expect(a({ decision: 'inject', reason: 'injected', config: 'logger:v1' })).toBe(12)
    expect(a({ decision: 'skip', reason: 'no_request', config: '' })).toBe(3)
    expect(a({ decision: 'skip', reason: 'missing_config', config: 'we"ird\\\n:v1' })).toBe(1)
    expect(m.value('sidecar_injector_cluster_sync_age_seconds', { cluster: 'prod' })).toBe(42)
    expect(
      m.value('sidecar_injector_cluster_sync_age_seconds', { cluster: 'silent' }),
    ).toBeUndefined()
    expect(
      m.value('sidecar_injector_cluster_last_seen_timestamp_seconds', { cluster: 'prod' }),
    ).toBe(1_800_000_000)
    expect(
      m.value('sidecar_injector_pods', {
        cluster: 'prod',
        config: 'logger:v1',
        hash: '0a1b2c3d',
        state: 'current',
      }),
    ).toBe(7)
    // Every sample line is `name{labels} value`, one line each.
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+\{.*\} \d+$/)
    }
  })
})
