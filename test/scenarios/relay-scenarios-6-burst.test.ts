import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, onTestFailed } from 'vitest'
import { admit, containerRevision, podReview } from '../support/admission-client.ts'
import { waitForConvergence } from '../support/converge.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sharedWorker } from '../support/shared-worker.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const UPDATES = 50
const BURST_MS = 1000

const { worker, secret } = sharedWorker()

describe(`relay scenario 6: ${UPDATES} updates to one ConfigMap within 1 s`, () => {
  it('serves the last content within 3 s, with at most 6 pushes', async () => {
    const stack = await startRelayStack({ worker, secret, cluster: 'scenario-6' })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake, proxy } = stack
      const data = (revision: number) => ({
        'burst.yaml': sidecarConfigText({ name: 'burst', revision }),
      })
      fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'burst',
        labels: RELAY_LABELS,
        data: data(0),
      })
      // Default debounce settings: the scenario is about what operators get out of the box.
      const relay = await stack.startRelay({ resync: '30m' })
      await waitForReadiness(relay, true)
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'burst:v1' }],
        timeoutMs: 10_000,
      })
      await sleep(1500)
      proxy.clearRecords()

      const started = Date.now()
      for (let i = 1; i <= UPDATES; i++) {
        fake.updateConfigMap(CONFIG_NAMESPACE, 'burst', { data: data(i) })
        // Evenly spread over the second, catching up if a timer fired late.
        await sleep(Math.max(0, started + (i * BURST_MS) / UPDATES - Date.now()))
      }
      const lastUpdate = Date.now()
      expect(lastUpdate - started).toBeLessThanOrEqual(BURST_MS + 100)

      let served: string | undefined
      while (served !== String(UPDATES) && Date.now() - lastUpdate < 3000) {
        served = containerRevision(
          (await admit(stack.admitTarget, podReview('burst:v1'))).pod,
          'burst',
        )
        if (served !== String(UPDATES)) await sleep(50)
      }
      const servedAfter = Date.now() - lastUpdate
      expect(served, `revision served ${servedAfter} ms after the last update`).toBe(
        String(UPDATES),
      )
      // Count every push of the burst, including any that come after the content was served.
      await sleep(Math.max(0, lastUpdate + 3000 - Date.now()))
      const pushes = proxy.count({ method: 'PUT' })
      expect(pushes).toBeLessThanOrEqual(6)
      console.info(`scenario 6: served ${servedAfter} ms after the last update, ${pushes} pushes`)
    } finally {
      await stack.stop()
    }
  })
})
