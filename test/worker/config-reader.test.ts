import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import type { SidecarRef } from '../../shared/types.ts'
import { createConfigReader } from '../../worker/configs/config-reader.ts'
import { createKvConfigStore } from '../../worker/configs/config-store.ts'
import { configText, countingKv, freshKv, pushConfigs, testApp } from './harness.ts'

const ref = (name: string, version = 'v1'): SidecarRef => ({ name, version })
const MiB = 1024 * 1024
const WINDOW_MS = 2000

/** The MARK env value of a looked-up config's first container, to tell versions apart. */
function markOf(config: { containers: readonly JsonObject[] } | undefined): unknown {
  const env = config?.containers[0]?.env
  return Array.isArray(env) ? (env[0] as JsonObject | undefined)?.value : undefined
}

/** A reader over real local KV holding `alpha` and `shared`, with a clock the test moves. */
async function seeded(options: { readonly pushAlpha?: boolean; readonly maxBytes?: number } = {}) {
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
    maxBytes: options.maxBytes ?? 32 * MiB,
    readWindowMs: WINDOW_MS,
  })
  return { reader, counting, clock, app, kv }
}

describe('config reader', () => {
  it('answers from memory once one bulk get has read both snapshots', async () => {
    const { reader, counting } = await seeded()
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
    const stats = { kvOps: 0 }
    const loaded = await reader.load('alpha', [ref('agent')], stats)
    expect(stats.kvOps).toBe(1)
    expect(counting.gets).toBe(1)
    expect(counting.keysRead).toEqual(['configs/alpha', 'configs/shared'])
    expect(markOf(loaded(ref('agent')))).toBe('base')
    const warm = reader.cached('alpha', [ref('agent')])
    // The agent with its inherits parent from shared, both from the snapshots in memory.
    expect(warm?.(ref('agent'))?.containers.map((c) => c.name)).toEqual(['base', 'agent'])
    expect(markOf(warm?.(ref('base')))).toBe('base')
    expect(counting.gets).toBe(1)
  })

  it('answers for every config of the scopes it read, not only those it was asked for', async () => {
    const { reader, counting } = await seeded()
    await reader.load('alpha', [ref('base')], { kvOps: 0 })
    const warm = reader.cached('alpha', [ref('agent')])
    expect(warm?.(ref('agent'))?.containers.map((c) => c.name)).toEqual(['base', 'agent'])
    expect(warm?.(ref('nope'))).toBeUndefined()
    expect(counting.gets).toBe(1)
  })

  it('stops answering from memory when the snapshots pass their TTL', async () => {
    const { reader, clock } = await seeded()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    clock.now += 29_999
    expect(reader.cached('alpha', [ref('agent')])).toBeDefined()
    clock.now += 1
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
  })

  it('reads a scope it is told has changed at once, within its TTL', async () => {
    const { reader, kv, counting } = await seeded()
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    expect(counting.gets).toBe(1)
    await pushConfigs(testApp({ kv, now: () => Date.now() + 10_000 }).app, 'shared', [
      configText('base:v1', 'base-2'),
    ])
    expect(markOf(reader.cached('alpha', [ref('agent')])?.(ref('base')))).toBe('base')
    reader.forget('shared')
    expect(reader.cached('alpha', [ref('agent')])).toBeUndefined()
    const lookup = await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    expect(counting.gets).toBe(2)
    expect(markOf(lookup(ref('base')))).toBe('base-2')
    expect(markOf(lookup(ref('agent')))).toBe('base-2')
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

  it('answers a broken chain as stored, so the decision can say why', async () => {
    const { reader, app } = await seeded({ pushAlpha: false })
    await pushConfigs(app, 'alpha', [configText('orphan:v1', 'o', 'inherits: gone:v1\n')])
    const lookup = await reader.load('alpha', [ref('orphan')], { kvOps: 0 })
    expect(lookup(ref('orphan'))?.inherits).toEqual({ name: 'gone', version: 'v1' })
  })
})

describe('config reader refresh', () => {
  it('serves the snapshots it holds while another request re-reads them, at no KV cost', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'alpha', [configText('agent:v1', 'one')])
    const counting = countingKv(kv)
    // Reads wait on `hold` when it is set: a request whose KV read is still out.
    let hold: Promise<void> | undefined
    const store = createKvConfigStore({
      get: async (keys, type) => {
        if (hold !== undefined) await hold
        return counting.get(keys, type)
      },
      put: (key, value) => counting.put(key, value),
      delete: (key) => counting.delete(key),
    })
    const clock = { now: 0 }
    const reader = createConfigReader({
      store,
      ttlMs: 30_000,
      now: () => clock.now,
      maxBytes: MiB,
      readWindowMs: WINDOW_MS,
    })
    await reader.load('alpha', [ref('agent')], { kvOps: 0 })
    clock.now += 30_000
    let release = () => {}
    hold = new Promise((resolve) => {
      release = resolve
    })
    const refresh = { kvOps: 0 }
    const refreshing = reader.load('alpha', [ref('agent')], refresh)
    const meanwhile = { kvOps: 0 }
    const lookup = await reader.load('alpha', [ref('agent')], meanwhile)
    expect(meanwhile.kvOps).toBe(0)
    expect(markOf(lookup(ref('agent')))).toBe('one')
    release()
    await refreshing
    expect([refresh.kvOps, counting.gets]).toEqual([1, 2])
    // A read still out after the window is presumed lost: the next request reads for itself.
    clock.now += 30_000
    hold = new Promise(() => {})
    void reader.load('alpha', [ref('agent')], { kvOps: 0 })
    clock.now += WINDOW_MS
    hold = undefined
    const late = { kvOps: 0 }
    await reader.load('alpha', [ref('agent')], late)
    expect([late.kvOps, counting.gets]).toEqual([1, 3])
  })

  it('reads a scope once for requests that arrive together on a cold isolate', async () => {
    const kv = freshKv()
    await pushConfigs(testApp({ kv }).app, 'alpha', [configText('agent:v1', 'one')])
    const counting = countingKv(kv)
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const store = createKvConfigStore({
      get: async (keys, type) => {
        await gate
        return counting.get(keys, type)
      },
      put: (key, value) => counting.put(key, value),
      delete: (key) => counting.delete(key),
    })
    const reader = createConfigReader({
      store,
      ttlMs: 30_000,
      now: () => 0,
      maxBytes: MiB,
      readWindowMs: WINDOW_MS,
    })
    const stats = [{ kvOps: 0 }, { kvOps: 0 }, { kvOps: 0 }]
    const loads = stats.map((s) => reader.load('alpha', [ref('agent')], s))
    release()
    const lookups = await Promise.all(loads)
    expect(lookups.map((lookup) => markOf(lookup(ref('agent'))))).toEqual(['one', 'one', 'one'])
    expect(stats.map((s) => s.kvOps)).toEqual([1, 0, 0])
    expect(counting.gets).toBe(1)
  })
})

describe('config reader cache', () => {
  it('holds at most its bound in bytes however many clusters it serves', async () => {
    const kv = freshKv()
    const { app } = testApp({ kv })
    // 40 clusters of 20 configs, each snapshot about 10 KB.
    const clusters = Array.from({ length: 40 }, (_, i) => `c${i}`)
    for (const cluster of clusters) {
      const texts = Array.from({ length: 20 }, (_, j) => configText(`app${j}:v1`, cluster))
      expect((await pushConfigs(app, cluster, texts)).status).toBe(200)
    }
    const counting = countingKv(kv)
    const maxBytes = 64 * 1024
    const reader = createConfigReader({
      store: createKvConfigStore(counting),
      ttlMs: 60_000,
      now: () => 0,
      maxBytes,
      readWindowMs: WINDOW_MS,
    })
    let most = 0
    for (const cluster of clusters) {
      const lookup = await reader.load(cluster, [ref('app0')], { kvOps: 0 })
      expect(markOf(lookup(ref('app3')))).toBe(cluster)
      most = Math.max(most, reader.cacheBytes())
    }
    expect(most).toBeLessThanOrEqual(maxBytes)
    expect(most).toBeGreaterThan(maxBytes / 2)
    // The last cluster is still held; the first was evicted and costs a read again.
    expect(reader.cached('c39', [ref('app0')])).toBeDefined()
    expect(reader.cached('c0', [ref('app0')])).toBeUndefined()
    const reads = counting.gets
    const stats = { kvOps: 0 }
    const again = await reader.load('c0', [ref('app0')], stats)
    expect(markOf(again(ref('app0')))).toBe('c0')
    expect([stats.kvOps, counting.gets - reads]).toEqual([1, 1])
  })

  it('uses a snapshot larger than its bound for the request, without keeping it', async () => {
    const kv = freshKv()
    const texts = Array.from({ length: 30 }, (_, j) => configText(`app${j}:v1`, 'big'))
    await pushConfigs(testApp({ kv }).app, 'alpha', texts)
    const reader = createConfigReader({
      store: createKvConfigStore(kv),
      ttlMs: 60_000,
      now: () => 0,
      maxBytes: 4096,
      readWindowMs: WINDOW_MS,
    })
    const lookup = await reader.load('alpha', [ref('app7')], { kvOps: 0 })
    expect(markOf(lookup(ref('app7')))).toBe('big')
    expect(reader.cached('alpha', [ref('app7')])).toBeUndefined()
    expect(reader.cacheBytes()).toBeLessThanOrEqual(4096)
  })
})
