import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { waitForConvergence } from '../support/converge.ts'
import type { FakeApiServer } from '../support/fake-apiserver/server.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'
import { startWorker, type WorkerProcess } from '../support/worker-process.ts'

const SECRET = 'scenario-three-secret-0123456789abcdef'
const OUTAGE_MS = 60_000
const RESYNC_MS = 5000
const BACKOFF_MAX_MS = 10_000
// With retries capped at 10 s, a well-behaved relay makes a handful of attempts a minute even
// counting list, watch and resync connections separately; a retry storm makes hundreds.
const MAX_ATTEMPTS_DURING_OUTAGE = 30

let worker: WorkerProcess
beforeAll(async () => {
  worker = await startWorker({ secret: SECRET })
})
afterAll(async () => {
  await worker?.stop()
})

function put(fake: FakeApiServer, name: string): void {
  fake.createConfigMap({
    namespace: CONFIG_NAMESPACE,
    name,
    labels: RELAY_LABELS,
    data: { [`${name}.yaml`]: sidecarConfigText({ name, revision: 1 }) },
  })
}

describe('relay scenario 3: API server unreachable for 60 s', () => {
  it('turns unready, backs off without a storm, and converges within 15 s of recovery', async () => {
    const stack = await startRelayStack({
      worker,
      secret: SECRET,
      cluster: 'scenario-3',
      gate: true,
    })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake, gate } = stack
      if (gate === undefined) throw new Error('the stack was started without a gate')
      put(fake, 'kept')
      put(fake, 'removed-in-outage')
      const relay = await stack.startRelay({
        resync: `${RESYNC_MS}ms`,
        'backoff-max': `${BACKOFF_MAX_MS}ms`,
      })
      await waitForReadiness(relay, true)
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'kept:v1' }, { ref: 'removed-in-outage:v1' }],
        timeoutMs: 10_000,
      })

      const outageStart = Date.now()
      gate.close()
      // The cluster moves on while the relay cannot see it.
      fake.deleteConfigMap(CONFIG_NAMESPACE, 'removed-in-outage')
      put(fake, 'added-in-outage')
      let unreadyAfter: number | undefined
      while (Date.now() - outageStart < OUTAGE_MS) {
        const status = await relay.readiness()
        if (status !== undefined && status !== 200 && unreadyAfter === undefined) {
          unreadyAfter = Date.now() - outageStart
        }
        await sleep(500)
      }
      const attempts = gate.attempts(outageStart)
      gate.open()
      const recoveredAt = Date.now()

      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'kept:v1' }, { ref: 'added-in-outage:v1' }],
        timeoutMs: 15_000,
      })
      const convergedAfter = Date.now() - recoveredAt
      await waitForReadiness(relay, true, 15_000)

      expect.soft(unreadyAfter, 'readiness never went false during the outage').toBeDefined()
      expect
        .soft(attempts, 'connection attempts during the outage')
        .toBeLessThanOrEqual(MAX_ATTEMPTS_DURING_OUTAGE)
      expect.soft(attempts, 'the relay never tried to reconnect').toBeGreaterThan(0)
      console.info(
        `scenario 3: unready ${unreadyAfter} ms into the outage, ${attempts} connection attempts ` +
          `in ${OUTAGE_MS / 1000} s, converged ${convergedAfter} ms after recovery`,
      )
    } finally {
      await stack.stop()
    }
  }, 180_000)
})
