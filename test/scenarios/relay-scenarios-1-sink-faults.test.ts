import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFailed } from 'vitest'
import { admit, containerRevision, podReview } from '../support/admission-client.ts'
import { createConfigMapChurn } from '../support/configmap-churn.ts'
import {
  diffConfigs,
  findResurrections,
  readStoredConfigs,
  recordStoredSets,
  waitForConvergence,
} from '../support/converge.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { createSeededRandom, type SeededRandom } from '../support/seeded-random.ts'
import { sharedWorker } from '../support/shared-worker.ts'

// SCENARIO_SEED=<n> explores other schedules; a failure prints the seed to replay it with.
const SEED = Number(process.env.SCENARIO_SEED ?? 20_261_126)
const EDITS = 200

const { worker, secret } = sharedWorker()

// Mostly bursts, some pauses long enough for a push (and its faults) in between.
function pause(random: SeededRandom): number {
  const roll = random.next()
  if (roll < 0.6) return random.int(30)
  if (roll < 0.9) return 100 + random.int(300)
  return 400 + random.int(800)
}

describe(`relay scenario 1: ${EDITS} random edits, 20% of pushes failing (seed ${SEED})`, () => {
  it('holds exactly the valid configs within 10 s of the last edit, with no lost deletes and no resurrections', async () => {
    const stack = await startRelayStack({
      worker,
      secret,
      cluster: 'scenario-1',
      proxy: { seed: SEED, faultRate: 0.2 },
    })
    onTestFailed(() => {
      console.error(`seed ${SEED}\n${stack.relayOutput()}`)
    })
    try {
      const relay = await stack.startRelay({ 'backoff-max': '2s', resync: '1m' })
      await waitForReadiness(relay, true)
      const history = recordStoredSets(stack.stored, 50)
      const random = createSeededRandom(SEED)
      const churn = createConfigMapChurn({
        fake: stack.fake,
        namespace: CONFIG_NAMESPACE,
        labels: RELAY_LABELS,
        random,
        prefix: 's1',
      })
      const ops: string[] = []
      for (let i = 0; i < EDITS; i++) {
        ops.push(churn.step())
        await sleep(pause(random))
      }
      const lastEdit = Date.now()
      const expected = churn.expected()

      await waitForConvergence({
        ...stack.stored,
        expected,
        timeoutMs: 10_000 - (Date.now() - lastEdit),
      })
      const took = Date.now() - lastEdit
      // Late retries of an older set would show up here as resurrections or a diff.
      await sleep(3000)
      await history.stop()

      const final = await readStoredConfigs(stack.stored)
      expect(diffConfigs(final.configs, expected)).toEqual([])
      const finalRefs = new Set(final.configs.map((c) => c.ref))
      const lostDeletes = [...churn.departed().keys()].filter((ref) => finalRefs.has(ref))
      expect(lostDeletes).toEqual([])
      expect(findResurrections(history.snapshots(), churn.departed())).toEqual([])

      // The content served is the last edit of each key (admission route, after the cache TTL).
      await sleep(1100)
      const stale: string[] = []
      for (const want of expected) {
        const [name = ''] = want.ref.split(':')
        const outcome = await admit(stack.admitTarget, podReview(want.ref))
        const served = containerRevision(outcome.pod, name)
        if (served !== want.revision) stale.push(`${want.ref}: ${served} != ${want.revision}`)
      }
      expect(stale).toEqual([])

      // The run is only meaningful if the proxy really failed about a fifth of the pushes.
      const pushes = stack.proxy.count({ method: 'PUT' })
      const failed = pushes - stack.proxy.count({ method: 'PUT', outcome: 'forwarded' })
      expect(failed).toBeGreaterThanOrEqual(3)
      expect(churn.departed().size).toBeGreaterThan(10)
      const faultKinds = (['status', 'timeout', 'lost-reply'] as const)
        .map((outcome) => `${stack.proxy.count({ method: 'PUT', outcome })} ${outcome}`)
        .join(', ')
      console.info(
        `scenario 1: ${ops.length} edits, ${expected.length} configs expected, ${churn.departed().size} removed, ` +
          `${pushes} pushes (${failed} faulted: ${faultKinds}), converged ${took} ms after the last edit`,
      )
    } finally {
      await stack.stop()
    }
  })
})
