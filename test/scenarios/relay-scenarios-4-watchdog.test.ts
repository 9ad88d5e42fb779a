import { describe, expect, it, onTestFailed } from 'vitest'
import { waitForConvergence } from '../support/converge.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sharedWorker } from '../support/shared-worker.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const IDLE_TIMEOUT_MS = 3000

const { worker, secret } = sharedWorker()

describe('relay scenario 4: a watch that hangs silently', () => {
  it('is replaced by the watchdog, and the change it withheld reaches the Worker', async () => {
    // Bookmarks every second keep a healthy watch from looking idle to the watchdog.
    const stack = await startRelayStack({
      worker,
      secret,
      cluster: 'scenario-4',
      fake: { bookmarkIntervalMs: 1000 },
    })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake } = stack
      const put = (name: string): void => {
        fake.createConfigMap({
          namespace: CONFIG_NAMESPACE,
          name,
          labels: RELAY_LABELS,
          data: { [`${name}.yaml`]: sidecarConfigText({ name, revision: 1 }) },
        })
      }
      put('before')
      const relay = await stack.startRelay({
        resync: '30m',
        'watch-idle-timeout': `${IDLE_TIMEOUT_MS}ms`,
      })
      await waitForReadiness(relay, true)
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'before:v1' }],
        timeoutMs: 10_000,
      })
      await fake.waitForWatches(1)
      const restartsBefore =
        (await relay.metrics()).value('relay_watch_restarts_total') ?? Number.NaN
      const watchesBefore = fake.requestCount({ verb: 'watch', resource: 'configmaps' })

      fake.stallWatches()
      put('during')

      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'before:v1' }, { ref: 'during:v1' }],
        timeoutMs: IDLE_TIMEOUT_MS + 10_000,
      })
      const restartsAfter = (await relay.metrics()).value('relay_watch_restarts_total')
      expect(restartsAfter).toBeGreaterThan(restartsBefore)
      expect(fake.requestCount({ verb: 'watch', resource: 'configmaps' })).toBeGreaterThan(
        watchesBefore,
      )
    } finally {
      await stack.stop()
    }
  })
})
