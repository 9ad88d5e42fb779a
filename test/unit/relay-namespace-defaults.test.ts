import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  checkNamespaceRequest,
  collectNamespaceDefaults,
  type NamespaceRecord,
  readNamespaceRecord,
} from '../../relay/namespace-default.ts'
import { createNamespaceSource } from '../../relay/namespace-source.ts'
import type { ListAnswer, ListWatch, WatchEnd, WatchEvent } from '../../relay/reflector.ts'

const KEY = 'injector.tumblr.com/request'

function namespace(name: string, annotations?: Record<string, unknown>, rv = '7'): unknown {
  return {
    kind: 'Namespace',
    metadata: { name, resourceVersion: rv, ...(annotations === undefined ? {} : { annotations }) },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }
}

describe('readNamespaceRecord: the default a namespace gives its pods', () => {
  it.each([
    ['no annotations', namespace('a'), { name: 'a', resourceVersion: '7' }],
    [
      'another annotation only',
      namespace('a', { other: 'x' }),
      { name: 'a', resourceVersion: '7' },
    ],
    ['an empty request', namespace('a', { [KEY]: '  ' }), { name: 'a', resourceVersion: '7' }],
    [
      'one config',
      namespace('shop', { [KEY]: 'logger:v1' }),
      { name: 'shop', resourceVersion: '7', request: 'logger:v1' },
    ],
    [
      'a list, trimmed, as a pod would write it',
      namespace('shop', { [KEY]: ' logger:v1, Proxy ' }),
      { name: 'shop', resourceVersion: '7', request: 'logger:v1, Proxy' },
    ],
    [
      'two colons',
      namespace('shop', { [KEY]: 'a:b:c' }),
      {
        name: 'shop',
        resourceVersion: '7',
        problem: `${KEY}: "a:b:c" has more than one ":"; expected name[:version]`,
      },
    ],
    [
      'too many configs',
      namespace('shop', { [KEY]: Array.from({ length: 17 }, (_, i) => `c${i}`).join(',') }),
      {
        name: 'shop',
        resourceVersion: '7',
        problem: `${KEY}: lists 17 configs; at most 16 are allowed`,
      },
    ],
    ['a non-string value', namespace('a', { [KEY]: 5 }), { name: 'a', resourceVersion: '7' }],
    ['no metadata at all', {}, { name: '' }],
    ['not an object', 'x', { name: '' }],
  ])('%s', (_, object, record) => {
    expect(readNamespaceRecord(object, KEY)).toEqual(record)
  })

  it('reads an own annotation only, never one inherited through __proto__', () => {
    const annotations = JSON.parse(`{"__proto__": {"${KEY}": "evil:v1"}}`) as Record<
      string,
      unknown
    >
    expect(readNamespaceRecord(namespace('a', annotations), KEY)).toEqual({
      name: 'a',
      resourceVersion: '7',
    })
  })

  it.each([
    ['logger', true],
    ['logger:v1,proxy:2.0', true],
    ['logger,,proxy', false],
    ['UPPER_case', false],
    // Valid as a request, but past the Worker's length for a namespace default.
    [Array.from({ length: 16 }, (_, i) => `config-${i}-${'x'.repeat(60)}:v1`).join(','), false],
  ])('checkNamespaceRequest(%j) ok=%s', (text, ok) => {
    expect(checkNamespaceRequest(text).ok).toBe(ok)
  })

  it('collects valid defaults only, sorted by namespace name', () => {
    const records: NamespaceRecord[] = [
      { name: 'zeta', request: 'z' },
      { name: 'alpha', request: 'a:v1' },
      { name: 'bad', problem: 'x' },
      { name: 'plain' },
    ]
    const { defaults } = collectNamespaceDefaults(records)
    expect(defaults).toEqual({ alpha: 'a:v1', zeta: 'z' })
    expect(Object.keys(defaults)).toEqual(['alpha', 'zeta'])
  })
})

describe('the Worker’s limit on namespace defaults', () => {
  it('pushes the first 1,000 by name and leaves the rest out, named', () => {
    const records: NamespaceRecord[] = Array.from({ length: 1002 }, (_, i) => ({
      name: `ns-${String(i).padStart(4, '0')}`,
      request: 'logger:v1',
    }))
    const { defaults, left } = collectNamespaceDefaults(records.reverse())
    expect(Object.keys(defaults)).toHaveLength(1000)
    expect(Object.keys(defaults).at(-1)).toBe('ns-0999')
    expect(left).toEqual(['ns-1000', 'ns-1001'])
  })
})

describe('createNamespaceSource', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function setup(lists: (ListAnswer<unknown> | Error)[]) {
    const watches: {
      rv: string
      emit: (event: WatchEvent<NamespaceRecord>) => void
      end: (end: WatchEnd) => void
    }[] = []
    const decode = (object: unknown) => readNamespaceRecord(object, KEY)
    const listWatch: ListWatch<NamespaceRecord> = {
      list: async () => {
        const answer = lists.shift() ?? new Error('no scripted answer')
        if (answer instanceof Error) throw answer
        return { items: answer.items.map(decode), resourceVersion: answer.resourceVersion }
      },
      watch: async (rv, onEvent, onEnd) => {
        watches.push({ rv, emit: onEvent, end: onEnd })
        return { abort: () => {} }
      },
    }
    const changes: number[] = []
    const invalid: [string, string][] = []
    const source = createNamespaceSource({
      listWatch,
      random: () => 0.5,
      idleTimeoutMs: 60_000,
      backoffMaxMs: 4000,
      backoffBaseMs: 1000,
      onChange: (at) => changes.push(at),
      onInvalid: (name, problem) => invalid.push([name, problem]),
    })
    const event = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown) =>
      watches.at(-1)?.emit({ type, object: decode(object) })
    return { source, watches, changes, invalid, event }
  }

  it('keeps only annotated namespaces and follows annotate, re-annotate and removal', async () => {
    const { source, watches, changes, invalid, event } = setup([
      {
        items: [
          namespace('default'),
          namespace('shop', { [KEY]: 'logger:v1' }),
          namespace('broken', { [KEY]: 'a:b:c' }),
        ],
        resourceVersion: '10',
      },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(true)
    expect(source.defaults()).toEqual({ shop: 'logger:v1' })
    expect(invalid).toEqual([
      ['broken', `${KEY}: "a:b:c" has more than one ":"; expected name[:version]`],
    ])
    expect(watches.map((w) => w.rv)).toEqual(['10'])
    expect(changes).toHaveLength(1)

    event('MODIFIED', namespace('default', { [KEY]: 'proxy' }, '11'))
    expect(source.defaults()).toEqual({ default: 'proxy', shop: 'logger:v1' })
    expect(changes).toHaveLength(2)

    // A label or status change that leaves the request as it was is no change.
    event('MODIFIED', namespace('default', { [KEY]: 'proxy', note: 'x' }, '12'))
    event('MODIFIED', namespace('plain', {}, '13'))
    expect(changes).toHaveLength(2)

    event('MODIFIED', namespace('shop', { [KEY]: 'logger:v2' }, '14'))
    expect(source.defaults()).toEqual({ default: 'proxy', shop: 'logger:v2' })
    event('MODIFIED', namespace('shop', {}, '15'))
    expect(source.defaults()).toEqual({ default: 'proxy' })
    // An annotation turned invalid drops the default and is reported.
    event('MODIFIED', namespace('default', { [KEY]: 'no way' }, '16'))
    expect(source.defaults()).toEqual({})
    expect(invalid.at(-1)?.[0]).toBe('default')
    event('DELETED', namespace('gone', { [KEY]: 'x' }, '17'))
    expect(changes).toHaveLength(5)

    // A clean end resumes from the last resourceVersion seen, without a relist.
    watches.at(-1)?.end({})
    await vi.advanceTimersByTimeAsync(0)
    expect(watches.map((w) => w.rv)).toEqual(['10', '17'])
    source.stop()
  })

  it('relists after 410 Gone and reports the defaults as they are then', async () => {
    const { source, watches, changes } = setup([
      { items: [namespace('shop', { [KEY]: 'logger:v1' })], resourceVersion: '10' },
      { items: [namespace('web', { [KEY]: 'proxy' })], resourceVersion: '30' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    watches.at(-1)?.emit({ type: 'BOOKMARK', resourceVersion: '20' })
    watches.at(-1)?.emit({ type: 'ERROR', code: 410, message: 'too old resource version: 20 (25)' })
    watches.at(-1)?.end({})
    expect(source.synced()).toBe(false)
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(true)
    expect(source.defaults()).toEqual({ web: 'proxy' })
    expect(watches.map((w) => w.rv)).toEqual(['10', '30'])
    expect(changes).toHaveLength(2)
    source.stop()
  })

  it('is out of sync while the list fails (RBAC missing), and retries with backoff', async () => {
    const { source, watches } = setup([
      new Error('HTTP 403: namespaces is forbidden'),
      { items: [], resourceVersion: '3' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(source.synced()).toBe(true)
    expect(source.defaults()).toEqual({})
    expect(watches).toHaveLength(1)
    source.stop()
  })
})
