import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFailed } from 'vitest'
import { createConfigMapChurn } from '../support/configmap-churn.ts'
import { readStoredConfigs, waitForConvergence } from '../support/converge.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { createSeededRandom } from '../support/seeded-random.ts'
import { sharedWorker } from '../support/shared-worker.ts'

// SCENARIO_SEED=<n> explores other schedules; a failure prints the seed to replay it with.
const SEED = Number(process.env.SCENARIO_SEED ?? 5_555)
const KILLS = 5

const { worker, secret } = sharedWorker()

describe(`relay scenario 5: SIGKILL ${KILLS} times during edits (seed ${SEED})`, () => {
  it('converges exactly after the last restart, including deletes made while it was down', async () => {
    const stack = await startRelayStack({ worker, secret, cluster: 'scenario-5' })
    onTestFailed(() => {
      console.error(`seed ${SEED}\n${stack.relayOutput(4000)}`)
    })
    try {
      const random = createSeededRandom(SEED)
      const churn = createConfigMapChurn({
        fake: stack.fake,
        namespace: CONFIG_NAMESPACE,
        labels: RELAY_LABELS,
        random,
        prefix: 's5',
      })
      for (let i = 0; i < 12; i++) churn.step()
      const exits: string[] = []
      for (let kill = 0; kill < KILLS; kill++) {
        const relay = await stack.startRelay({ 'backoff-max': '2s' })
        // Once it has pushed, edit while it runs and kill it at a random moment (often
        // mid-debounce or mid-push).
        await waitForReadiness(relay, true)
        const runFor = 500 + random.int(2000)
        const until = Date.now() + runFor
        while (Date.now() < until) {
          churn.step()
          await sleep(random.int(150))
        }
        const exit = await relay.kill('SIGKILL')
        exits.push(exit.signal ?? `code ${exit.code}`)
        // While it is down: deletes and other edits it must learn about on start-up.
        churn.deleteSome(1 + random.int(2))
        for (let i = random.int(4); i > 0; i--) churn.step()
      }
      expect(exits).toEqual(Array(KILLS).fill('SIGKILL'))

      // Make sure the last restart really has deletes to apply: remove configs the Worker holds.
      const heldBefore = new Set((await readStoredConfigs(stack.stored)).configs.map((c) => c.ref))
      const deletedWhileDown = churn.deleteSome(2, (refs) =>
        refs.some((ref) => heldBefore.has(ref)),
      )
      expect(deletedWhileDown.length).toBeGreaterThan(0)
      const expected = churn.expected()
      const expectedRefs = new Set(expected.map((e) => e.ref))
      const held = (await readStoredConfigs(stack.stored)).configs.map((c) => c.ref)
      const staleBeforeRestart = held.filter((ref) => !expectedRefs.has(ref))
      expect(staleBeforeRestart.length).toBeGreaterThan(0)

      await stack.startRelay({ 'backoff-max': '2s' })
      await waitForConvergence({ ...stack.stored, expected, timeoutMs: 15_000 })
    } finally {
      await stack.stop()
    }
  }, 120_000)
})
