import { describe, expect, it } from 'vitest'
import { createByteCache, ENTRY_OVERHEAD_BYTES } from '../../worker/configs/byte-cache.ts'

const cost = (bytes: number) => bytes + ENTRY_OVERHEAD_BYTES

describe('byte cache', () => {
  it('evicts the least recently used entries until it is within its bound', () => {
    const cache = createByteCache<string>(cost(100) * 3)
    cache.set('a', 'A', 100)
    cache.set('b', 'B', 100)
    cache.set('c', 'C', 100)
    // Reading a makes b the oldest.
    expect(cache.get('a')).toBe('A')
    cache.set('d', 'D', 100)
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([
      'A',
      undefined,
      'C',
      'D',
    ])
    expect(cache.bytes()).toBe(cost(100) * 3)
    // One large entry pushes out as many as it needs.
    cache.set('e', 'E', 200)
    expect(cache.size()).toBe(2)
    expect(cache.bytes()).toBeLessThanOrEqual(cost(100) * 3)
  })

  it('replaces an entry of the same key and counts only the new size', () => {
    const cache = createByteCache<string>(10_000)
    cache.set('a', 'one', 1000)
    cache.set('a', 'two', 10)
    expect(cache.get('a')).toBe('two')
    expect(cache.bytes()).toBe(cost(10))
  })

  it('holds nothing, and drops the old value, when one entry is over the bound', () => {
    const cache = createByteCache<string>(1000)
    cache.set('a', 'small', 10)
    expect(cache.set('a', 'huge', 2000)).toBe(false)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.bytes()).toBe(0)
  })

  it('evicts cheap entries before costly ones, whatever their age', () => {
    const cache = createByteCache<string>(cost(100) * 4)
    cache.set('snapshot-a', 'A', 100, 'costly')
    cache.set('config-1', '1', 100)
    cache.set('config-2', '2', 100)
    cache.set('snapshot-b', 'B', 100, 'costly')
    cache.set('snapshot-c', 'C', 100, 'costly')
    // The oldest entry is a costly one, but a cheap one went first.
    expect([cache.get('snapshot-a'), cache.get('config-1'), cache.get('config-2')]).toEqual([
      'A',
      undefined,
      '2',
    ])
    cache.set('snapshot-d', 'D', 100, 'costly')
    expect(cache.get('config-2')).toBeUndefined()
    // With no cheap entry left, the least recently used costly one goes.
    cache.set('snapshot-e', 'E', 100, 'costly')
    expect(cache.get('snapshot-b')).toBeUndefined()
    expect(cache.size()).toBe(4)
  })

  it('never lets a cheap entry push out a costly one', () => {
    const cache = createByteCache<string>(cost(100) * 3)
    cache.set('snapshot-a', 'A', 100, 'costly')
    cache.set('snapshot-b', 'B', 100, 'costly')
    expect(cache.set('config-1', '1', 150)).toBe(false)
    expect(cache.set('config-2', '2', 100)).toBe(true)
    expect([cache.get('snapshot-a'), cache.get('snapshot-b')]).toEqual(['A', 'B'])
  })

  it('bounds many empty entries by their overhead', () => {
    const cache = createByteCache<null>(cost(0) * 50)
    for (let i = 0; i < 10_000; i++) cache.set(`scope-${i}`, null, 0)
    expect(cache.size()).toBe(50)
  })
})
