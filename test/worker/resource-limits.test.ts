import { describe, expect, it } from 'vitest'
import type { IngestResponse, StoredConfigList } from '../../shared/ingest-api.ts'
import {
  admissionOf,
  configText,
  countingKv,
  marksOf,
  podReview,
  postReview,
  pushConfigs,
  scopeState,
  testApp,
  tokensFor,
  watchScopeKv,
} from './harness.ts'

const START = 1_700_000_000_000

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error
}

describe('a push of 5,000 configs', () => {
  it('costs one KV write and no read, and a cold admission one bulk read', async () => {
    const binding = countingKv()
    let clock = START
    const { app } = testApp({ kv: binding, now: () => clock })
    const written = await watchScopeKv('fleet-big')
    const texts = Array.from({ length: 5000 }, (_, i) => configText(`app-${i}:v1`, `m${i}`))
    const res = await pushConfigs(app, 'fleet-big', texts)
    expect(res.status).toBe(200)
    const body = (await res.json()) as IngestResponse
    expect(body.stored).toHaveLength(5000)
    expect(body.results.every((r) => r.status === 'accepted')).toBe(true)
    // Counted by the KV limits of the app and of the scope's object, and seen by the bindings.
    expect(body.kvOps).toEqual({ reads: 0, writes: 1 })
    expect([binding.gets, binding.puts]).toEqual([0, 0])
    expect([written.gets, written.written]).toEqual([0, ['configs/fleet-big']])

    // Another isolate: one bulk get of both scopes, then every config from memory.
    const reading = countingKv(binding)
    const other = testApp({ kv: reading, now: () => clock })
    for (const i of [4321, 0, 4999]) {
      const admission = await admissionOf(
        await postReview(other.app, 'fleet-big', podReview(`app-${i}:v1`)),
      )
      expect(marksOf(admission.patch, `app-${i}`)).toEqual([`m${i}`])
    }
    expect(other.logs.map((line) => line.kvOps)).toEqual([1, 0, 0])
    expect(reading.keysRead).toEqual(['configs/fleet-big', 'configs/shared'])

    // One config changes: still one read and one write.
    clock += 2_000
    texts[17] = configText('app-17:v1', 'changed')
    const again = (await (await pushConfigs(app, 'fleet-big', texts)).json()) as IngestResponse
    expect([again.unchanged, again.kvOps]).toEqual([false, { reads: 0, writes: 1 }])
    const { sync } = await tokensFor('fleet-big')
    const list = (await (
      await app.request('/v1/clusters/fleet-big/configs', {
        headers: { authorization: `Bearer ${sync}` },
      })
    ).json()) as StoredConfigList
    expect(list.configs).toHaveLength(5000)
    const changed = list.configs.find((c) => c.ref === 'app-17:v1')
    expect(changed?.updatedAt).toBe(new Date(clock).toISOString())
    expect(list.configs.find((c) => c.ref === 'app-18:v1')?.updatedAt).toBe(
      new Date(START).toISOString(),
    )
  })
})

describe('per-scope limits', () => {
  it('refuses more configs than INJECTOR_SCOPE_MAX_CONFIGS with 413, before reading or writing', async () => {
    const binding = countingKv()
    let clock = START
    const { app } = testApp({
      kv: binding,
      now: () => clock,
      vars: { INJECTOR_SCOPE_MAX_CONFIGS: '3' },
    })
    const texts = ['a', 'b', 'c', 'd'].map((n) => configText(`${n}:v1`, 'first'))
    expect((await pushConfigs(app, 'alpha', texts.slice(0, 3))).status).toBe(200)
    clock += 2_000
    const [gets, puts] = [binding.gets, binding.puts]
    const res = await pushConfigs(app, 'alpha', texts)
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toBe(
      'scope "alpha": the push holds 4 configs; the limit is 3 (INJECTOR_SCOPE_MAX_CONFIGS); nothing was stored',
    )
    expect([binding.gets - gets, binding.puts - puts]).toEqual([0, 0])
    const admission = await admissionOf(await postReview(app, 'alpha', podReview('a:v1')))
    expect(marksOf(admission.patch, 'a')).toEqual(['first'])
  })

  it('refuses a snapshot over INJECTOR_SCOPE_MAX_BYTES with 413 naming its size, and writes nothing', async () => {
    const binding = countingKv()
    let clock = START
    const { app } = testApp({
      kv: binding,
      now: () => clock,
      vars: { INJECTOR_SCOPE_MAX_BYTES: '65536', INJECTOR_CACHE_TTL_SECONDS: '0' },
    })
    expect((await pushConfigs(app, 'alpha', [configText('logger:v1', 'kept')])).status).toBe(200)
    const written = await watchScopeKv('alpha')
    clock += 2_000
    const texts = Array.from({ length: 300 }, (_, i) => configText(`app-${i}:v1`))
    const res = await pushConfigs(app, 'alpha', texts)
    expect(res.status).toBe(413)
    const message = await errorOf(res)
    const size = Number(/snapshot of (\d+) bytes/.exec(message)?.[1])
    expect(size).toBeGreaterThan(65536)
    expect(message).toBe(
      `scope "alpha": its 300 configs make a snapshot of ${size} bytes; the limit is 65536 (INJECTOR_SCOPE_MAX_BYTES); nothing was stored`,
    )
    expect(written.puts).toBe(0)
    expect((await scopeState('alpha')).headRevision).toBe(1)
    const admission = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(marksOf(admission.patch, 'logger')).toEqual(['kept'])
  })
})

describe('expansion of a whole push', () => {
  it('stops reading a push whose configs expand past INJECTOR_SCOPE_MAX_BYTES, with 413', async () => {
    const binding = countingKv()
    const { app } = testApp({ kv: binding, vars: { INJECTOR_SCOPE_MAX_BYTES: '65536' } })
    // 20 configs of about 1.3 KB of text, each expanding to about 11 KB: 220 KB in all.
    const texts = Array.from({ length: 20 }, (_, i) => {
      const env = Array.from({ length: 10 }, (_, j) => `{name: E${j}, value: *v}`).join(', ')
      return `name: wide${i}:v1\ncontainers: [{name: wide${i}, image: busybox, env: [{name: V, value: &v "${'w'.repeat(1000)}"}, ${env}]}]\n`
    })
    const res = await pushConfigs(app, 'alpha', texts)
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toBe(
      'scope "alpha": the configs expand to more than 131072 bytes of JSON (YAML aliases expanded), refused ones included; the limit is 131072 (twice INJECTOR_SCOPE_MAX_BYTES); nothing was stored',
    )
    expect([binding.gets, binding.puts]).toEqual([0, 0])
    expect((await scopeState('alpha')).headRevision).toBe(0)
  })
})

describe('per-config limit', () => {
  it('rejects a config over INJECTOR_CONFIG_MAX_BYTES and stores the rest of the push', async () => {
    const { app } = testApp({ vars: { INJECTOR_CONFIG_MAX_BYTES: '1024' } })
    const big = configText('big:v1', 'x'.repeat(1100))
    const res = await pushConfigs(app, 'alpha', [big, configText('small:v1')])
    const body = (await res.json()) as IngestResponse
    expect(body.stored).toEqual(['small:v1'])
    expect(body.results[0]).toMatchObject({
      status: 'rejected',
      issues: [
        { path: '', message: 'config is larger than 1024 bytes as JSON (YAML aliases expanded)' },
      ],
    })
  })

  it('rejects a YAML alias bomb at the default limit, and the rest of the push still serves', async () => {
    const { app, logs } = testApp()
    // About 1 KB of text that would expand to 4^12 copies of a 64-byte string.
    const bomb = ['name: bomb:v1', `x0: &a0 ["${'x'.repeat(64)}"]`]
    for (let i = 1; i < 13; i++) {
      bomb.push(`x${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`)
    }
    bomb.push('containers: [{name: bomb, image: busybox, args: *a12}]')
    const res = await pushConfigs(app, 'alpha', [bomb.join('\n'), configText('logger:v1', 'ok')])
    const body = (await res.json()) as IngestResponse
    expect(body.results[0]).toMatchObject({
      status: 'rejected',
      issues: [
        { path: '', message: 'config is larger than 131072 bytes as JSON (YAML aliases expanded)' },
      ],
    })
    const admission = await admissionOf(
      await postReview(app, 'alpha', podReview('logger:v1,bomb:v1')),
    )
    expect(admission.patch).toEqual([])
    expect(logs.at(-1)).toMatchObject({ reason: 'missing_config' })
    const logger = await admissionOf(await postReview(app, 'alpha', podReview('logger:v1')))
    expect(marksOf(logger.patch, 'logger')).toEqual(['ok'])
  })
})

describe('admission reply size', () => {
  /** A config of about 100 KB: one container with a large env value. */
  const padded = (i: number) =>
    `name: pad${i}:v1\ncontainers:\n  - name: pad${i}\n    image: busybox\n    env: [{name: MARK, value: "${i}${'p'.repeat(100_000)}"}]\n`

  it('admits unchanged with a warning when the reply would pass 1 MiB (invalid_result)', async () => {
    const { app, logs } = testApp()
    const texts = Array.from({ length: 11 }, (_, i) => padded(i))
    const pushed = (await (await pushConfigs(app, 'alpha', texts)).json()) as IngestResponse
    expect(pushed.stored).toHaveLength(11)
    const all = texts.map((_, i) => `pad${i}:v1`).join(',')
    const res = await postReview(app, 'alpha', podReview(all))
    const text = await res.text()
    expect(text.length).toBeLessThan(1024 * 1024)
    const admission = await admissionOf(new Response(text))
    expect(admission.allowed).toBe(true)
    expect(admission.patch).toEqual([])
    expect(admission.warnings).toHaveLength(1)
    expect(admission.warnings[0]).toMatch(
      /^sidecar injection skipped: the reply \(pad0:v1, .*\) would be at least \d+ bytes; the limit/,
    )
    expect(logs.at(-1)).toMatchObject({ decision: 'skip', reason: 'invalid_result' })
    // Three of them fit.
    const some = await admissionOf(
      await postReview(app, 'alpha', podReview('pad0:v1,pad1:v1,pad2:v1')),
    )
    expect(some.patch.length).toBeGreaterThan(0)
    expect(logs.at(-1)).toMatchObject({ decision: 'inject' })
  })
})
