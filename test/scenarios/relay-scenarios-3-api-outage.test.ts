import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFailed } from 'vitest'
import { waitForConvergence } from '../support/converge.ts'
import type { FakeApiServer } from '../support/fake-apiserver/server.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sharedWorker } from '../support/shared-worker.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

// Six backoff caps long, so the retries reach the cap and stay there for most of the outage.
const BACKOFF_MAX_MS = 4000
const OUTAGE_MS = 6 * BACKOFF_MAX_MS
// Unready once the last successful push is older than two resync periods.
const RESYNC_MS = 2000
// The relay's first retry delay (relay/configmap-source.ts), doubling up to the cap.
const BACKOFF_BASE_MS = 250

/**
 * The most list attempts a relay that honours its backoff can make in `outageMs`: one when the
 * watch breaks, then one after each delay, and with equal jitter each delay is at least half
 * its ceiling. A retry storm makes hundreds; a fixed one-second retry would make 24.
 */
function mostAttempts(outageMs: number): number {
  let attempts = 1
  let elapsed = 0
  for (let retry = 1; ; retry++) {
    elapsed += Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (retry - 1)) / 2
    if (elapsed > outageMs) return attempts
    attempts += 1
  }
}

const { worker, secret } = sharedWorker()

function put(fake: FakeApiServer, name: string): void {
  fake.createConfigMap({
    namespace: CONFIG_NAMESPACE,
    name,
    labels: RELAY_LABELS,
    data: { [`${name}.yaml`]: sidecarConfigText({ name, revision: 1 }) },
  })
}

describe(`relay scenario 3: API server unreachable for ${OUTAGE_MS / 1000} s`, () => {
  it('turns unready, backs off without a storm, and converges within 15 s of recovery', async () => {
    const stack = await startRelayStack({
      worker,
      secret,
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
        .toBeLessThanOrEqual(mostAttempts(OUTAGE_MS))
      expect.soft(attempts, 'the relay never tried to reconnect').toBeGreaterThan(0)
      console.info(
        `scenario 3: unready ${unreadyAfter} ms into the outage, ${attempts} connection attempts ` +
          `in ${OUTAGE_MS / 1000} s, converged ${convergedAfter} ms after recovery`,
      )
    } finally {
      await stack.stop()
    }
  }, 120_000)
})
