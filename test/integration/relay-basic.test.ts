import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { readStoredConfigs, waitForConvergence } from '../support/converge.ts'
import { startRelayProcess, waitForReadiness } from '../support/relay-process.ts'
import { CONFIG_NAMESPACE, RELAY_LABELS, startRelayStack } from '../support/relay-stack.ts'
import { brokenConfigText, sidecarConfigText } from '../support/sidecar-config-text.ts'
import { TOKEN_A, TOKEN_B } from '../support/token-texts.ts'
import { startWorker, type WorkerProcess } from '../support/worker-process.ts'

const SECRET = 'relay-basic-secret-0123456789abcdef'

let worker: WorkerProcess
beforeAll(async () => {
  worker = await startWorker({ secret: SECRET })
})
afterAll(async () => {
  await worker?.stop()
})

interface EventView {
  type?: string
  reason?: string
  message?: string
  involvedObject?: { kind?: string; name?: string; namespace?: string }
}

async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    const value = read()
    if (value !== undefined) return value
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('relay against the fake API server and a real Worker', () => {
  it('syncs, updates, deletes, reports invalid configs as Events, and serves metrics and readiness', async () => {
    const stack = await startRelayStack({ worker, secret: SECRET, cluster: 'relay-basic' })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake } = stack
      fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'alpha',
        labels: RELAY_LABELS,
        data: {
          'logger.yaml': sidecarConfigText({ name: 'logger', revision: 1 }),
          'broken.yaml': brokenConfigText('schema', { name: 'broken', revision: 1 }),
        },
      })
      fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'beta',
        labels: RELAY_LABELS,
        data: { 'proxy.yaml': sidecarConfigText({ name: 'proxy', revision: 1 }) },
      })
      // Not selected: wrong label value, and right label in another namespace.
      fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'other-app',
        labels: { app: 'something-else' },
        data: { 'stray.yaml': sidecarConfigText({ name: 'stray', revision: 1 }) },
      })
      fake.createConfigMap({
        namespace: 'elsewhere',
        name: 'gamma',
        labels: RELAY_LABELS,
        data: { 'far.yaml': sidecarConfigText({ name: 'far', revision: 1 }) },
      })
      const startedAt = Date.now() / 1000
      const relay = await stack.startRelay({ resync: '5s' })

      // Initial sync.
      await waitForReadiness(relay, true)
      await waitForConvergence({
        ...stack.stored,
        expected: [
          {
            ref: 'logger:v1',
            source: { namespace: CONFIG_NAMESPACE, name: 'alpha', key: 'logger.yaml' },
          },
          {
            ref: 'proxy:v1',
            source: { namespace: CONFIG_NAMESPACE, name: 'beta', key: 'proxy.yaml' },
          },
        ],
        timeoutMs: 10_000,
      })

      // The invalid key is reported on its ConfigMap, naming the key and the field path.
      const event = await waitFor(
        () =>
          (fake.events(CONFIG_NAMESPACE) as EventView[]).find(
            (e) => e.reason === 'InvalidSidecarConfig',
          ),
        'an InvalidSidecarConfig Event',
      )
      expect(event.type).toBe('Warning')
      expect(event.involvedObject).toMatchObject({
        kind: 'ConfigMap',
        name: 'alpha',
        namespace: CONFIG_NAMESPACE,
      })
      expect(event.message).toContain('broken.yaml')
      expect(event.message).toContain('containers')

      // Update: the Worker ends up holding the new content (its source carries the new resourceVersion).
      const updated = fake.updateConfigMap(CONFIG_NAMESPACE, 'alpha', {
        data: {
          'logger.yaml': sidecarConfigText({ name: 'logger', revision: 2 }),
          'broken.yaml': brokenConfigText('schema', { name: 'broken', revision: 1 }),
        },
      }) as { metadata: { resourceVersion: string } }
      const updatedVersion = updated.metadata.resourceVersion
      const started = Date.now()
      let loggerVersion: string | undefined
      while (Date.now() - started < 10_000) {
        const held = await readStoredConfigs(stack.stored)
        const logger = held.configs.find((c) => c.ref === 'logger:v1')
        loggerVersion =
          logger?.source.kind === 'ConfigMap' ? logger.source.resourceVersion : undefined
        if (loggerVersion === updatedVersion) break
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(loggerVersion).toBe(updatedVersion)

      // Delete: the config leaves the Worker.
      fake.deleteConfigMap(CONFIG_NAMESPACE, 'beta')
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'logger:v1' }],
        timeoutMs: 10_000,
      })

      // One Event for the one problem, although the ConfigMap changed and pushes repeated.
      const problems = (fake.events(CONFIG_NAMESPACE) as EventView[]).filter(
        (e) => e.reason === 'InvalidSidecarConfig',
      )
      expect(problems).toHaveLength(1)

      const metrics = await relay.metrics()
      expect(metrics.value('relay_pushes_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(3)
      expect(metrics.value('relay_pushes_total', { outcome: 'error' })).toBe(0)
      expect(metrics.value('relay_configs', { state: 'valid' })).toBe(1)
      expect(metrics.value('relay_configs', { state: 'invalid' })).toBe(1)
      expect(metrics.value('relay_watch_restarts_total')).toBe(0)
      expect(metrics.value('relay_last_successful_push_timestamp_seconds')).toBeGreaterThan(
        startedAt,
      )
      expect(metrics.value('relay_event_to_push_seconds_count')).toBeGreaterThanOrEqual(2)

      const pushed = relay.logs().filter((line) => line.msg === 'push succeeded')
      expect(pushed.length).toBeGreaterThanOrEqual(3)
      expect(relay.output()).not.toContain(stack.tokens.sync)

      // SIGTERM: a clean exit, well within 10 s.
      const killedAt = Date.now()
      const exit = await relay.kill('SIGTERM', 12_000)
      expect(exit).toEqual({ code: 0, signal: null })
      expect(Date.now() - killedAt).toBeLessThan(10_000)
      expect(relay.logs().some((line) => line.msg === 'stopped')).toBe(true)
    } finally {
      await stack.stop()
    }
  })

  it('rejects a name:version defined in two ConfigMaps, on both, and still syncs the rest', async () => {
    const stack = await startRelayStack({ worker, secret: SECRET, cluster: 'relay-basic-dup' })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      const { fake } = stack
      for (const name of ['first', 'second']) {
        fake.createConfigMap({
          namespace: CONFIG_NAMESPACE,
          name,
          labels: RELAY_LABELS,
          data: { 'twin.yaml': sidecarConfigText({ name: 'twin', revision: name }) },
        })
      }
      fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'single',
        labels: RELAY_LABELS,
        data: { 'solo.yaml': sidecarConfigText({ name: 'solo', revision: 1 }) },
      })
      const relay = await stack.startRelay()
      await waitForReadiness(relay, true)
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'solo:v1' }],
        timeoutMs: 10_000,
      })
      const events = await waitFor(() => {
        const found = (fake.events(CONFIG_NAMESPACE) as EventView[]).filter(
          (e) => e.reason === 'InvalidSidecarConfig',
        )
        return found.length >= 2 ? found : undefined
      }, 'two duplicate Events')
      const byName = new Map(events.map((e) => [e.involvedObject?.name, e.message ?? '']))
      expect(byName.get('first')).toContain(`${CONFIG_NAMESPACE}/second`)
      expect(byName.get('second')).toContain(`${CONFIG_NAMESPACE}/first`)
      expect((await relay.metrics()).value('relay_configs', { state: 'invalid' })).toBe(2)
    } finally {
      await stack.stop()
    }
  })

  it('reaches the API server through --master-url alone, without a kubeconfig', async () => {
    const stack = await startRelayStack({ worker, secret: SECRET, cluster: 'relay-basic-master' })
    onTestFailed(() => {
      console.error(stack.relayOutput())
    })
    try {
      stack.fake.createConfigMap({
        namespace: CONFIG_NAMESPACE,
        name: 'direct',
        labels: RELAY_LABELS,
        data: { 'direct.yaml': sidecarConfigText({ name: 'direct', revision: 1 }) },
      })
      // An empty --kubeconfig counts as unset, as an empty environment variable would.
      await stack.startRelay({ kubeconfig: '', 'master-url': stack.fake.url })
      await waitForConvergence({
        ...stack.stored,
        expected: [{ ref: 'direct:v1' }],
        timeoutMs: 10_000,
      })
      expect(stack.fake.requests({ verb: 'list', resource: 'configmaps' }).length).toBeGreaterThan(
        0,
      )
    } finally {
      await stack.stop()
    }
  })

  it.each([
    [{ resync: 'soon' }, '--resync'],
    [{ cluster: 'Not_A_Name' }, '--cluster'],
    [{ 'configmap-labels': 'app' }, '--configmap-labels'],
    [{ 'token-file': '/nonexistent/token' }, '--token-file'],
    [{ 'worker-url': 'http://injector.example.com' }, '--worker-url'],
    [{ cluster: 'shared' }, '--cluster'],
  ])('fails at start-up with %o, naming %s', async (flags, named) => {
    const relay = await startRelayProcess({
      flags: {
        cluster: 'c1',
        'worker-url': 'http://127.0.0.1:9',
        'token-file': '/dev/null',
        'configmap-namespace': 'default',
        'master-url': 'http://127.0.0.1:9',
        ...flags,
      },
    })
    const exit = await relay.exited
    expect(exit.code).toBe(2)
    expect(relay.output()).toContain(named)
  })

  it('refuses a token file holding the whole `token` output, printing neither token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-token-output-'))
    const path = join(dir, 'token')
    writeFileSync(path, `cluster: c1\nadmit: ${TOKEN_A}\nsync: ${TOKEN_B}\n`)
    try {
      const relay = await startRelayProcess({
        flags: {
          cluster: 'c1',
          'worker-url': 'http://127.0.0.1:9',
          'token-file': path,
          'configmap-namespace': 'default',
          'master-url': 'http://127.0.0.1:9',
        },
      })
      expect((await relay.exited).code).toBe(2)
      const output = relay.output()
      expect(output).toContain(
        `relay: --token-file (RELAY_TOKEN_FILE): token file ${path} holds the whole \`sidecar-injector token\` output`,
      )
      for (const token of [TOKEN_A, TOKEN_B]) {
        expect(output).not.toContain(token)
        expect(output).not.toContain(token.slice(0, 16))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
