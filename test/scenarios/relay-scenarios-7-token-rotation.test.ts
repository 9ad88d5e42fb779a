import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFailed } from 'vitest'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import { waitForConvergence } from '../support/converge.ts'
import { tokenFingerprint } from '../support/fault-proxy.ts'
import { freePort } from '../support/free-port.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'
import { startWorker, type WorkerProcess } from '../support/worker-process.ts'

const SECRET_A = 'scenario-seven-secret-A-0123456789abcdef'
const SECRET_B = 'scenario-seven-secret-B-fedcba9876543210'
const CLUSTER = 'scenario-7'
// The relay re-reads the mounted token when it changes; allow a few seconds for that.
const SWITCH_BOUND_MS = 5000
// After each Worker restart (a few seconds of wrangler start-up), pushes must succeed again soon.
const RECOVERY_BOUND_MS = 15_000

describe('relay scenario 7: token rotation', () => {
  it('keeps pushing through A -> A+B -> B, switching to the new token file without failures', async () => {
    const persistDir = mkdtempSync(join(tmpdir(), 'injector-kv-rotation-'))
    const port = await freePort()
    const vars = { INJECTOR_CACHE_TTL_SECONDS: '1' }
    let worker: WorkerProcess = await startWorker({ secret: SECRET_A, persistDir, port, vars })
    const stack = await startRelayStack({ worker, secret: SECRET_A, cluster: CLUSTER })
    onTestFailed(() => {
      console.error(`${stack.relayOutput()}\n--- worker ---\n${worker.output().slice(-5000)}`)
    })
    try {
      const tokenB = (await deriveClusterTokens(SECRET_B, CLUSTER, crypto.subtle)).sync
      const fingerprintA = tokenFingerprint(stack.tokens.sync)
      const fingerprintB = tokenFingerprint(tokenB)
      const { fake, proxy } = stack
      let revision = 0
      const edit = (): void => {
        revision += 1
        fake.upsertConfigMap({
          namespace: CONFIG_NAMESPACE,
          name: `rotation-${revision}`,
          labels: RELAY_LABELS,
          data: { 'r.yaml': sidecarConfigText({ name: `rotation-${revision}`, revision }) },
        })
      }
      const expected = () =>
        Array.from({ length: revision }, (_, i) => ({ ref: `rotation-${i + 1}:v1` }))
      const converge = (syncToken: string, timeoutMs: number) =>
        waitForConvergence({
          workerUrl: worker.url,
          cluster: CLUSTER,
          syncToken,
          expected: expected(),
          timeoutMs,
        })

      // Phase 1: Worker and relay on secret A.
      edit()
      const relay = await stack.startRelay({ resync: '2s', 'backoff-max': '2s' })
      await waitForReadiness(relay, true)
      await converge(stack.tokens.sync, 10_000)

      // Phase 2: the Worker accepts B and, as previous, A; the relay still sends A.
      await worker.stop()
      worker = await startWorker({
        secret: SECRET_B,
        persistDir,
        port,
        vars: { ...vars, INJECTOR_SECRET_PREVIOUS: SECRET_A },
      })
      const phase2 = Date.now()
      edit()
      await converge(stack.tokens.sync, RECOVERY_BOUND_MS)
      expect(proxy.records().filter((r) => r.startedAt >= phase2 && r.status === 401)).toEqual([])

      // Phase 3: the mounted token changes to B; pushes switch without a restart.
      const rotated = Date.now()
      stack.writeToken(tokenB)
      edit()
      await converge(tokenB, RECOVERY_BOUND_MS)
      const firstB = proxy
        .records()
        .find((r) => r.method === 'PUT' && r.startedAt >= rotated && r.token === fingerprintB)
      expect(firstB, 'no push carried the new token').toBeDefined()
      await sleep(Math.max(0, rotated + SWITCH_BOUND_MS - Date.now()))

      // Phase 4: A is revoked; the relay, already on B, sees no 401 at all.
      await worker.stop()
      worker = await startWorker({ secret: SECRET_B, persistDir, port, vars })
      const phase4 = Date.now()
      edit()
      await converge(tokenB, RECOVERY_BOUND_MS)
      const rejected = proxy.records().filter((r) => r.startedAt >= phase4 && r.status === 401)
      expect(rejected).toEqual([])
      const lateA = proxy
        .records()
        .filter((r) => r.startedAt > rotated + SWITCH_BOUND_MS && r.token === fingerprintA)
      expect(lateA).toEqual([])
      console.info(
        `scenario 7: first push with the new token ${(firstB?.startedAt ?? Number.NaN) - rotated} ms after the file changed`,
      )
    } finally {
      await stack.stop()
      await worker.stop()
      rmSync(persistDir, { recursive: true, force: true })
    }
  }, 120_000)
})
