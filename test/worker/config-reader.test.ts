import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import type { SidecarRef } from '../../shared/types.ts'
import { createConfigReader } from '../../worker/config-reader.ts'
import { createKvConfigStore } from '../../worker/config-store.ts'
import { configText, countingKv, freshKv, pushConfigs, testApp } from './harness.ts'

const ref = (name: string, version = 'v1'): SidecarRef => ({ name, version })

/** The MARK env value of a looked-up config's first container, to tell versions apart. */
function markOf(config: { containers: readonly JsonObject[] } | undefined): unknown {
  const env = config?.containers[0]?.env
  return Array.isArray(env) ? (env[0] as JsonObject | undefined)?.value : undefined
}

/** A reader over real local KV holding `alpha` and `shared`, with a clock the test moves. */
async function seeded(options: { readonly pushAlpha?: boolean } = {}) {
  const kv = freshKv()
  const { app } = testApp({ kv })
  await pushConfigs(app, 'shared', [configText('base:v1', 'base')])
  // A scope takes one write a second, so a test that writes alpha itself skips this one.
  if (options.pushAlpha !== false) {
    await pushConfigs(app, 'alpha', [configText('agent:v1', 'agent', 'inherits: base:v1\n')])
  }
  const counting = countingKv(kv)
  const clock = { now: 1_000_000 }
  const reader = createConfigReader({
    store: createKvConfigStore(counting),
    ttlMs: 30_000,
    now: () => clock.now,
  })
  return { reader, counting, clock, app, kv }
}

describe('config reader', () => {
  it('answers from memory only once a load has read the manifests and every value', async () => {
    const { reader, counting } = await seeded()
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
    const loaded = await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    expect(markOf(loaded(ref('agent')))).toBe('agent')
    const gets = counting.gets
    const warm = reader.cached('alpha', [ref('agent')])
    // The agent with its inherits parent from shared, both read in the same load.
    expect(warm?.(ref('agent'))?.containers.map((c) => c.name)).toEqual(['base', 'agent'])
    expect(markOf(warm?.(ref('base')))).toBe('base')
    expect(counting.gets).toBe(gets)
  })

  it('does not answer from memory for a config whose value it never read', async () => {
    const { reader } = await seeded()
    await reader.load('alpha', [ref('base')], { kvOps: 0 })
    // Manifests are fresh, but agent:v1's own value was never fetched.
    expect(reader.cached('alpha', [ref('base')])).toBeDefined()
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
  })

  it('stops answering from memory when the manifests pass their TTL', async () => {
    const { reader, clock } = await seeded()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    clock.now += 29_999
    expect(reader.cached('alpha', [ref('agent')])).toBeDefined()
    clock.now += 1
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
  })

  it('sees a manifest it is told about at once, not the one it read before', async () => {
    const { reader } = await seeded()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    // A new manifest for shared with base:v1 pointing at content this reader never read.
    const kv = freshKv()
    const writer = testApp({ kv })
    await pushConfigs(writer.app, 'shared', [configText('base:v1', 'base-2')])
    const manifests = await createKvConfigStore(kv).readManifests(['shared'])
    const manifest = manifests.get('shared')
    if (manifest === undefined) throw new Error('no manifest written')
    reader.remember(manifest)
    // The new base:v1 value is not in memory, so the warm path must not serve the old one.
    expect(reader.cached('alpha', [ref('base')])).toBeUndefined()
  })

  it('keeps the cluster scope ahead of shared on the warm path', async () => {
    const { reader, app } = await seeded({ pushAlpha: false })
    expect(await pushConfigs(app, 'alpha', [configText('base:v1', 'alpha-base')])).toHaveProperty(
      'status',
      200,
    )
    await reader.load('alpha', [ref('base')], { kvOps: 0 })
    await reader.load('shared', [ref('base')], { kvOps: 0 })
    expect(markOf(reader.cached('alpha', [ref('base')])?.(ref('base')))).toBe('alpha-base')
    expect(markOf(reader.cached('shared', [ref('base')])?.(ref('base')))).toBe('base')
  })

  it('answers with inherits merged, and merges again once a parent in shared changes', async () => {
    const { reader, clock, kv } = await seeded()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    const before = reader.cached('alpha', [ref('agent')])?.(ref('agent'))
    expect(before?.inherits).toBeUndefined()
    expect(before?.containers.map((c) => c.name)).toEqual(['base', 'agent'])
    expect(markOf(before)).toBe('base')
    // A later write to shared (its clock past the one-write-a-second limit) changes the parent.
    const writer = testApp({ kv, now: () => Date.now() + 10_000 })
    expect(
      await pushConfigs(writer.app, 'shared', [configText('base:v1', 'base-2')]),
    ).toHaveProperty('status', 200)
    clock.now += 30_000
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    expect(markOf(reader.cached('alpha', [ref('agent')])?.(ref('agent')))).toBe('base-2')
  })
})
