import { describe, expect, it } from 'vitest'
import type { ClusterStatusReport } from '../../shared/fleet-api.ts'
import { checkPodReport, checkStatusReport } from '../../shared/fleet-report-check.ts'

const good: ClusterStatusReport = {
  relayVersion: '0.1.0',
  instance: 'relay-1',
  kubernetesVersion: 'v1.31.2',
  namespaces: ['apps', 'web'],
  labels: 'injector.tumblr.com/sidecar-config=true',
  configs: { seen: 3, valid: 2, invalid: 1 },
  lastSuccessfulPush: '2026-01-31T12:00:00.000Z',
  lastError: { at: '2026-01-31T11:59:00Z', message: 'ConfigMap sidecars/x: bad YAML' },
}

describe('checkStatusReport', () => {
  it('takes a full heartbeat and one with only the required fields', () => {
    expect(checkStatusReport(good)).toEqual({ ok: true, value: good })
    const { kubernetesVersion: _k, lastSuccessfulPush: _p, lastError: _e, ...minimal } = good
    expect(checkStatusReport(minimal)).toEqual({ ok: true, value: minimal })
  })

  it.each([
    [null, 'body: must be an object'],
    [[], 'body: must be an object'],
    [{ ...good, extra: 1 }, 'extra: unknown field'],
    [
      { ...good, configs: { seen: 1, valid: 1, invalid: 0, later: 2 } },
      'configs.later: unknown field',
    ],
    [{ ...good, relayVersion: '' }, 'relayVersion: must not be empty'],
    [{ ...good, instance: 'x'.repeat(257) }, 'instance: at most 256 characters'],
    [{ ...good, namespaces: 'apps' }, 'namespaces: must be an array'],
    [{ ...good, namespaces: ['a', 3] }, 'namespaces[1]: must be a string'],
    [
      { ...good, configs: { seen: 1.5, valid: 1, invalid: 0 } },
      'configs.seen: must be a whole number',
    ],
    [
      { ...good, lastSuccessfulPush: '2026-13-45T00:00:00Z' },
      'lastSuccessfulPush: must be an ISO 8601 time',
    ],
    [
      { ...good, lastError: { at: good.lastSuccessfulPush, message: 'm'.repeat(501) } },
      'lastError.message: at most 500',
    ],
  ])('refuses a bad heartbeat naming the field (%#)', (body, message) => {
    const checked = checkStatusReport(body)
    expect(checked.ok).toBe(false)
    if (!checked.ok) expect(checked.message).toContain(message)
  })

  it('does not read inherited or prototype keys', () => {
    const body = JSON.parse(`{"__proto__": {"relayVersion": "x"}, ${JSON.stringify(good).slice(1)}`)
    const checked = checkStatusReport(body)
    expect(checked).toEqual({
      ok: false,
      message: expect.stringContaining('__proto__: unknown field'),
    })
  })
})

describe('checkPodReport', () => {
  const row = { config: 'logger:v1', hash: '0a1b2c3d', namespace: 'apps', pods: 4 }
  it('takes a report', () => {
    const report = { listedAt: '2026-01-31T12:00:00Z', totalPods: 10, counts: [row] }
    expect(checkPodReport(report)).toEqual({ ok: true, value: report })
  })

  it.each([
    [{ ...row, config: 'Logger' }, 'counts[0].config: "Logger" is not a canonical name:version'],
    [{ ...row, config: 'logger' }, 'counts[0].config: "logger" is not a canonical name:version'],
    [{ ...row, hash: '0A1B2C3D' }, 'counts[0].hash: must be 8 lowercase hex digits'],
    [{ ...row, pods: -1 }, 'counts[0].pods: must be a whole number'],
    [{ ...row, node: 'n1' }, 'counts[0].node: unknown field'],
  ])('refuses a bad row naming it (%#)', (bad, message) => {
    const checked = checkPodReport({
      listedAt: '2026-01-31T12:00:00Z',
      totalPods: 1,
      counts: [bad],
    })
    expect(checked).toEqual({ ok: false, message: expect.stringContaining(message) })
  })

  it('refuses more than 10,000 rows', () => {
    const counts = Array.from({ length: 10_001 }, () => row)
    expect(checkPodReport({ listedAt: '2026-01-31T12:00:00Z', totalPods: 1, counts })).toEqual({
      ok: false,
      message: 'counts: at most 10000 entries, got 10001',
    })
  })
})
