import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { buildRelayBundle, RELAY_NODE_FLAGS } from '../../scripts/relay-bundle.ts'
import {
  type AdmissionOutcome,
  admit,
  containerRevision,
  podReview,
} from '../support/admission-client.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { sidecarConfigText } from '../support/sidecar-config-text.ts'
import { startWorker, type WorkerProcess } from '../support/worker-process.ts'

const SECRET = 'end-to-end-secret-0123456789abcdef'

let worker: WorkerProcess
// The relay runs as its image runs it: the bundle alone, in a folder with no node_modules
// anywhere above it, with the image's Node flags.
const bundleDir = mkdtempSync(join(tmpdir(), 'relay-bundle-'))
let relayProgram: { entry: string; nodeArgs: readonly string[] }
beforeAll(async () => {
  relayProgram = {
    entry: await buildRelayBundle(join(bundleDir, 'relay.mjs')),
    nodeArgs: RELAY_NODE_FLAGS,
  }
  worker = await startWorker({ secret: SECRET, vars: { INJECTOR_CACHE_TTL_SECONDS: '1' } })
})
afterAll(async () => {
  await worker?.stop()
  rmSync(bundleDir, { recursive: true, force: true })
})

describe('end to end: fake API server -> bundled relay process -> Worker in workerd -> admission', () => {
  it('injects the config, then its edit, then admits with a warning once it is deleted', async () => {
    const stack = await startRelayStack({ worker, secret: SECRET, cluster: 'e2e', relayProgram })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake } = stack
      const review = () => podReview('logger:v1')
      // Polls the admission route until the answer satisfies `done` (the relay and cache need a moment).
      const admitUntil = async (
        done: (outcome: AdmissionOutcome) => boolean,
      ): Promise<AdmissionOutcome> => {
        const deadline = Date.now() + 20_000
        let outcome = await admit(stack.admitTarget, review())
        while (!done(outcome) && Date.now() < deadline) {
          await sleep(200)
          outcome = await admit(stack.admitTarget, review())
        }
        return outcome
      }
      const write = (revision: string) =>
        fake.upsertConfigMap({
          namespace: CONFIG_NAMESPACE,
          name: 'logging-sidecar',
          labels: RELAY_LABELS,
          data: { 'logger.yaml': sidecarConfigText({ name: 'logger', revision }) },
        })

      write('first')
      await stack.startRelay()
      const first = await admitUntil((o) => containerRevision(o.pod, 'logger') === 'first')
      expect(first.allowed).toBe(true)
      expect(containerRevision(first.pod, 'logger')).toBe('first')
      expect(first.pod).toMatchObject({
        metadata: { annotations: { 'injector.tumblr.com/status': 'injected' } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'logger' }] },
      })

      write('second')
      const second = await admitUntil((o) => containerRevision(o.pod, 'logger') === 'second')
      expect(containerRevision(second.pod, 'logger')).toBe('second')

      fake.deleteConfigMap(CONFIG_NAMESPACE, 'logging-sidecar')
      const gone = await admitUntil((o) => o.patch.length === 0)
      expect(gone.allowed).toBe(true)
      expect(gone.patch).toEqual([])
      expect(gone.warnings.join('\n')).toContain('logger:v1')
    } finally {
      await stack.stop()
    }
  })
})
