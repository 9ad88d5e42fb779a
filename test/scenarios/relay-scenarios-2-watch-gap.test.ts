import { describe, expect, it, onTestFailed } from 'vitest'
import { waitForConvergence } from '../support/converge.ts'
import type { FakeApiServer } from '../support/fake-apiserver/server.ts'
import { waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sharedWorker } from '../support/shared-worker.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'

const { worker, secret } = sharedWorker()

function createConfigMap(fake: FakeApiServer, name: string): void {
  fake.createConfigMap({
    namespace: CONFIG_NAMESPACE,
    name,
    labels: RELAY_LABELS,
    data: { [`${name}.yaml`]: sidecarConfigText({ name, revision: 1 }) },
  })
}

// How the relay's next watch learns that its resourceVersion is gone (API concepts, "410 Gone").
const GAPS = [
  {
    how: 'an ERROR event after compaction',
    open: (fake: FakeApiServer) => {
      fake.compact()
    },
  },
  {
    how: 'an HTTP 410 answer',
    open: (fake: FakeApiServer) => {
      fake.injectFault({
        type: 'status',
        code: 410,
        verb: 'watch',
        resource: 'configmaps',
        times: 1,
      })
    },
  },
]

describe('relay scenario 2: a delete inside a 410 gap', () => {
  it.each(GAPS)(
    'still removes the config when the watch resumes with $how',
    async ({ how, open }) => {
      const cluster = `scenario-2-${GAPS.findIndex((g) => g.how === how)}`
      const stack = await startRelayStack({ worker, secret, cluster })
      onTestFailed(() => {
        console.error(stack.relayOutput())
      })
      try {
        const { fake } = stack
        createConfigMap(fake, 'keep')
        createConfigMap(fake, 'doomed')
        // A long resync, so only the watch path can carry the delete.
        const relay = await stack.startRelay({ resync: '30m' })
        await waitForReadiness(relay, true)
        await waitForConvergence({
          ...stack.stored,
          expected: [{ ref: 'keep:v1' }, { ref: 'doomed:v1' }],
          timeoutMs: 10_000,
        })
        await fake.waitForWatches(1)
        const listsBefore = fake.requestCount({ verb: 'list', resource: 'configmaps' })

        // All in one tick: the stream dies before the delete can be written to it.
        fake.dropWatches()
        fake.deleteConfigMap(CONFIG_NAMESPACE, 'doomed')
        open(fake)

        await waitForConvergence({
          ...stack.stored,
          expected: [{ ref: 'keep:v1' }],
          timeoutMs: 20_000,
        })
        // The delete can only have been learnt from a fresh list: the replay history was gone.
        expect(fake.requestCount({ verb: 'list', resource: 'configmaps' })).toBeGreaterThan(
          listsBefore,
        )
      } finally {
        await stack.stop()
      }
    },
  )
})
