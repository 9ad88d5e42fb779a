import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createKvLimits, KV_LIMITS, KvLimitError } from '../../worker/configs/kv-limits.ts'
import { countingKv, freshKv } from './harness.ts'

/** Limits over real local KV with a clock the test moves, and the violations they reported. */
function limited() {
  const clock = { now: 1_700_000_000_000 }
  const violations: string[] = []
  const limits = createKvLimits({
    now: () => clock.now,
    onViolation: (error) => {
      violations.push(error.limit)
    },
  })
  const binding = countingKv(freshKv())
  return { limits, kv: limits.wrap(binding), binding, clock, violations }
}

describe('KV limits per invocation', () => {
  it('allows 1,000 operations, a bulk get of 100 keys counting as one, and refuses more', async () => {
    const { limits, kv, binding, violations } = await limited()
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`)
    await limits.run(async () => {
      await kv.put('k0', 'v')
      // One bulk get of 100 keys is one operation.
      expect((await kv.get(keys, 'text')).get('k0')).toBe('v')
      expect(limits.cost()).toEqual({ reads: 1, writes: 1 })
      // 998 more make 1,000.
      for (let batch = 0; batch < 2; batch++) {
        await Promise.all(Array.from({ length: 499 }, (_, i) => kv.get([`k${i}`], 'text')))
      }
      expect(limits.cost()).toEqual({ reads: 999, writes: 1 })
      expect(() => kv.get(['k0'], 'text')).toThrow(
        new KvLimitError(
          'operationsPerInvocation',
          'more than 1000 KV operations in one invocation',
        ),
      )
      expect(() => kv.put('k1', 'v')).toThrow(/more than 1000 KV operations/)
      expect(limits.cost()).toEqual({ reads: 999, writes: 1 })
    })
    // Refused calls never reached the binding.
    expect([binding.gets, binding.puts]).toEqual([999, 1])
    expect(violations).toEqual(['operationsPerInvocation', 'operationsPerInvocation'])
  })

  it('counts each invocation apart, also when they run at the same time', async () => {
    const { limits, kv } = await limited()
    const invocation = (reads: number) =>
      limits.run(async () => {
        for (let i = 0; i < reads; i++) {
          await kv.get([`key-${i}`], 'text')
        }
        return limits.cost()
      })
    const costs = await Promise.all([
      invocation(3),
      invocation(5),
      invocation(600),
      invocation(600),
    ])
    expect(costs).toEqual([
      { reads: 3, writes: 0 },
      { reads: 5, writes: 0 },
      { reads: 600, writes: 0 },
      { reads: 600, writes: 0 },
    ])
  })

  it('refuses a call made outside an invocation', async () => {
    const { kv, binding } = await limited()
    expect(() => kv.get(['a'], 'text')).toThrow(/outside an invocation/)
    expect(binding.gets).toBe(0)
  })

  it('refuses a bulk get of more than 100 keys', async () => {
    const { limits, kv } = await limited()
    const keys = Array.from({ length: 101 }, (_, i) => `k${i}`)
    await limits.run(async () => {
      expect(() => kv.get(keys, 'text')).toThrow('bulk get of 101 keys; the limit is 100')
      await kv.get(keys.slice(0, 100), 'text')
      expect(limits.cost()).toEqual({ reads: 1, writes: 0 })
    })
  })

  it.each([
    ['get', 'a'.repeat(513)],
    ['put', 'é'.repeat(257)],
    ['delete', `configs/${'x'.repeat(505)}`],
  ] as const)('refuses a %s of a key over 512 bytes of UTF-8', async (method, key) => {
    const { limits, kv, binding, violations } = await limited()
    await limits.run(() => {
      const call =
        method === 'get'
          ? () => kv.get([key], 'text')
          : method === 'put'
            ? () => kv.put(key, 'v')
            : () => kv.delete(key)
      expect(call).toThrow(/^KV key of (513|514) bytes; the limit is 512$/)
    })
    expect([binding.gets, binding.puts, binding.deleted.length]).toEqual([0, 0, 0])
    expect(violations).toEqual(['keyBytes'])
  })

  it('accepts a key of exactly 512 bytes, as local KV does', async () => {
    const { limits } = await limited()
    // Unprefixed: the test binding's prefix would push the key over the limit in local KV.
    const kv = limits.wrap(env.CONFIGS)
    const key = `${crypto.randomUUID()}${'é'.repeat(238)}`
    await limits.run(async () => {
      await kv.put(key, 'v')
      expect((await kv.get([key], 'text')).get(key)).toBe('v')
      expect(() => kv.put(`${key}x`, 'v')).toThrow('KV key of 513 bytes; the limit is 512')
    })
  })

  it('refuses a value over 25 MiB, counted in UTF-8 bytes', async () => {
    const { limits, kv, binding } = await limited()
    // 8.4 million UTF-16 units, 25 MiB + 1 byte as UTF-8.
    const tooBig = `${'€'.repeat((KV_LIMITS.valueBytes - 1) / 3)}ab`
    await limits.run(async () => {
      expect(() => kv.put('big', tooBig)).toThrow(
        `KV value of ${KV_LIMITS.valueBytes + 1} bytes; the limit is ${KV_LIMITS.valueBytes}`,
      )
      expect(binding.puts).toBe(0)
      await kv.put('big', tooBig.slice(0, -1))
    })
    expect(binding.puts).toBe(1)
  })

  it('refuses a second write of one key within a second, across invocations of the isolate', async () => {
    const { limits, kv, clock, violations } = await limited()
    await limits.run(() => kv.put('configs/alpha', 'one'))
    clock.now += 999
    await limits.run(async () => {
      expect(() => kv.put('configs/alpha', 'two')).toThrow(
        'KV key "configs/alpha" written twice within 999 ms; the limit is one write per 1000 ms',
      )
      expect(() => kv.delete('configs/alpha')).toThrow(/written twice within 999 ms/)
      // Other keys are not held back.
      await kv.put('configs/beta', 'one')
    })
    expect(limits.lastWrite('configs/alpha')).toBe(clock.now - 999)
    clock.now += 1
    expect(limits.lastWrite('configs/alpha')).toBeUndefined()
    await limits.run(() => kv.put('configs/alpha', 'two'))
    expect(violations).toEqual(['writeGapMs', 'writeGapMs'])
  })
})
