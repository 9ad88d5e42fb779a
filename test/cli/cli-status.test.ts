// status, in process, against the real Worker in workerd (Miniflare, with its scope and fleet
// objects and KV in memory), fed by heartbeats and a pod report as a relay sends them.
import { webcrypto } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deriveClusterTokens, deriveFleetToken } from '../../shared/cluster-token.ts'
import type { ClusterStatusReport, FleetView, PodReport } from '../../shared/fleet-api.ts'
import type { IngestResponse } from '../../shared/ingest-api.ts'
import { runCli } from '../support/cli-run.ts'
import type { LocalWorker } from '../support/local-worker.ts'
import { startMiniflareWorker } from '../support/miniflare-worker.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const SECRET = 'cli-status-test-secret-0123456789abcdef'
const scratch = mkdtempSync(join(tmpdir(), 'cli-status-'))
const tokenFile = join(scratch, 'fleet-token')
let worker: LocalWorker
let hash = ''

async function put(cluster: string, path: string, body: unknown): Promise<Response> {
  const { sync } = await deriveClusterTokens(SECRET, cluster, webcrypto.subtle)
  const res = await fetch(`${worker.url}/v1/clusters/${cluster}/${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
  return res
}

const heartbeat: ClusterStatusReport = {
  relayVersion: '0.1.0',
  instance: 'relay-abc',
  kubernetesVersion: 'v1.31.2',
  namespaces: ['*'],
  labels: 'injector.tumblr.com/sidecar-config=true',
  configs: { seen: 1, valid: 1, invalid: 0 },
}

beforeAll(async () => {
  worker = await startMiniflareWorker({ secret: SECRET })
  writeFileSync(tokenFile, `${await deriveFleetToken(SECRET, webcrypto.subtle)}\n`)
  const source = {
    kind: 'ConfigMap',
    namespace: 'sidecars',
    name: 'logger',
    key: 'logger.yaml',
    resourceVersion: '1',
  }
  const pushed = (await (
    await put('prod-eu', 'configs', {
      configs: [{ text: sidecarConfigText({ name: 'logger', revision: '1' }), source }],
    })
  ).json()) as IngestResponse
  const accepted = pushed.results[0]
  hash = accepted !== undefined && 'hash' in accepted ? String(accepted.hash).slice(0, 8) : ''
  await put('prod-eu', 'status', heartbeat)
  await put('staging', 'status', {
    ...heartbeat,
    kubernetesVersion: 'v1.30.0',
    lastError: { at: '2026-01-31T12:00:00Z', message: 'watch: connection reset' },
  })
  const report: PodReport = {
    listedAt: new Date().toISOString(),
    totalPods: 40,
    counts: [
      { config: 'logger:v1', hash, namespace: 'apps', pods: 30 },
      { config: 'logger:v1', hash: '00000000', namespace: 'apps', pods: 6 },
    ],
  }
  await put('prod-eu', 'pods', report)
}, 60_000)

afterAll(async () => {
  await worker?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

describe('sidecar-injector status', () => {
  it('prints the fleet table: one line per cluster that reported', async () => {
    const run = await runCli(['status', '--worker', worker.url, '--token-file', tokenFile])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^CLUSTER\s+LAST SEEN\s+RELAY\s+KUBERNETES\s+CONFIGS\s+REVISION\s+DRIFT\s+LAST ERROR$/,
    )
    expect(lines[1]).toMatch(
      /^prod-eu\s+\d+s ago\s+0\.1\.0\s+v1\.31\.2\s+1\/1\s+1\s+6 drifted, 0 unserved, 30 current$/,
    )
    expect(lines[2]).toMatch(
      /^staging\s+\d+s ago\s+0\.1\.0\s+v1\.30\.0\s+1\/1\s+-\s+-\s+watch: connection reset$/,
    )
  })

  it('prints the API answer with --output json', async () => {
    const run = await runCli(['status', '--worker', worker.url, '--output', 'json'], {
      env: { INJECTOR_FLEET_TOKEN: await deriveFleetToken(SECRET, webcrypto.subtle) },
    })
    expect(run.code).toBe(0)
    const fleet = JSON.parse(run.stdout) as FleetView
    expect(fleet.clusters.map((c) => [c.cluster, c.drift])).toEqual([
      ['prod-eu', { current: 30, drifted: 6, unserved: 0 }],
      ['staging', undefined],
    ])
  })

  it('prints one cluster in full with --cluster, its pods per config@hash', async () => {
    const run = await runCli([
      'status',
      '--worker',
      worker.url,
      '--token-file',
      tokenFile,
      '--cluster',
      'prod-eu',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('cluster: prod-eu\n')
    expect(run.stdout).toContain('kubernetes: v1.31.2\n')
    // The heartbeat's Kubernetes version goes into the scope's header: within KV's second of the
    // push, that publish may still wait.
    expect(run.stdout).toMatch(/\nserving: revision 1 of 1(, publish pending)?\n/)
    expect(run.stdout).toMatch(new RegExp(`logger:v1\\s+${hash}\\s+30\\s+current\\s+${hash}`))
    expect(run.stdout).toMatch(new RegExp(`logger:v1\\s+00000000\\s+6\\s+drifted\\s+${hash}`))
  })

  it('says the fleet token was refused when given a sync token, and when none is given', async () => {
    const { sync } = await deriveClusterTokens(SECRET, 'prod-eu', webcrypto.subtle)
    const refused = await runCli(['status', '--worker', worker.url], {
      env: { INJECTOR_FLEET_TOKEN: sync },
    })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('the Worker refused the fleet token (401)')
    expect(refused.stderr).not.toContain(sync)
    const none = await runCli(['status', '--worker', worker.url], { env: {} })
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('no fleet token')
  })

  it('forgets a cluster: gone from the table, the second time a 404 in one line', async () => {
    const args = ['--worker', worker.url, '--token-file', tokenFile, '--cluster', 'staging']
    const forgotten = await runCli(['forget', ...args])
    expect(forgotten).toMatchObject({
      code: 0,
      stdout: 'staging: forgotten (0 admission series removed); its configs and history are kept\n',
    })
    const table = await runCli(['status', '--worker', worker.url, '--token-file', tokenFile])
    expect(table.stdout).toContain('prod-eu')
    expect(table.stdout).not.toContain('staging')
    const again = await runCli(['forget', ...args])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^error: .*cluster "staging" is not in the fleet registry.*\n$/)
  })
})
