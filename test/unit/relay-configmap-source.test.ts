import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  ConfigMapClient,
  ConfigMapList,
  ConfigMapWatchEvent,
  WatchEnd,
} from '../../relay/configmap-client.ts'
import { createConfigMapSource, type SourceNotice } from '../../relay/configmap-source.ts'
import type { ConfigMapRecord } from '../../relay/desired-set.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

interface FakeWatch {
  readonly namespace: string | undefined
  readonly resourceVersion: string
  readonly emit: (event: ConfigMapWatchEvent) => void
  readonly end: (end?: WatchEnd) => void
  aborted: boolean
}

function cm(name: string, rv: string, namespace = 'ns'): ConfigMapRecord {
  return { namespace, name, resourceVersion: rv, data: { k: name } }
}

/** A scripted API server: each list takes the next answer (an Error fails it). */
function fakeClient(lists: (ConfigMapList | Error)[]) {
  const watches: FakeWatch[] = []
  const listed: (string | undefined)[] = []
  const client: ConfigMapClient = {
    list: async (namespace) => {
      listed.push(namespace)
      const answer = lists.shift() ?? new Error('no scripted answer')
      if (answer instanceof Error) throw answer
      return answer
    },
    watch: async (namespace, _labels, resourceVersion, onEvent, onEnd) => {
      const watch: FakeWatch = {
        namespace,
        resourceVersion,
        emit: onEvent,
        end: (end = {}) => onEnd(end),
        aborted: false,
      }
      watches.push(watch)
      return {
        abort: () => {
          watch.aborted = true
        },
      }
    },
  }
  return { client, watches, listed }
}

function setup(lists: (ConfigMapList | Error)[], namespaces: (string | undefined)[] = ['ns']) {
  const fake = fakeClient(lists)
  const notices: SourceNotice[] = []
  const changes: number[] = []
  const source = createConfigMapSource({
    client: fake.client,
    namespaces,
    labelSelector: 'app=x',
    random: () => 0.5,
    idleTimeoutMs: 5000,
    backoffMaxMs: 4000,
    backoffBaseMs: 1000,
    onChange: (at) => changes.push(at),
    onNotice: (notice) => notices.push(notice),
  })
  return { ...fake, source, notices, changes }
}

const names = (records: ConfigMapRecord[]) => records.map((r) => r.name).sort()

describe('createConfigMapSource', () => {
  it('lists, then watches from the list resourceVersion and applies events', async () => {
    const { source, watches, changes } = setup([{ items: [cm('a', '5')], resourceVersion: '10' }])
    expect(source.synced()).toBe(false)
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(true)
    expect(names(source.snapshot())).toEqual(['a'])
    expect(watches.map((w) => w.resourceVersion)).toEqual(['10'])
    const watch = watches[0]
    watch?.emit({ type: 'ADDED', object: cm('b', '11') })
    watch?.emit({ type: 'MODIFIED', object: { ...cm('a', '12'), data: { k: 'new' } } })
    watch?.emit({ type: 'DELETED', object: cm('b', '13') })
    expect(names(source.snapshot())).toEqual(['a'])
    expect(source.snapshot()[0]?.data).toEqual({ k: 'new' })
    expect(changes).toHaveLength(4)
  })

  it('treats a failed list as an error, never as an empty set, and retries with backoff', async () => {
    const { source, listed, notices } = setup([
      new Error('HTTP 500'),
      new Error('HTTP 503'),
      { items: [cm('a', '1')], resourceVersion: '2' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(false)
    expect(notices[0]).toEqual({
      kind: 'list failed',
      namespace: 'ns',
      message: 'HTTP 500',
      retryInMs: 750,
    })
    await vi.advanceTimersByTimeAsync(750)
    expect(listed).toHaveLength(2)
    expect(notices[1]).toMatchObject({ kind: 'list failed', retryInMs: 1500 })
    await vi.advanceTimersByTimeAsync(1500)
    expect(source.synced()).toBe(true)
    expect(names(source.snapshot())).toEqual(['a'])
  })

  it('on 410 Gone (as an event or as HTTP status) lists again at once, dropping what was deleted meanwhile', async () => {
    const { source, watches, listed, notices } = setup([
      { items: [cm('keep', '1'), cm('doomed', '2')], resourceVersion: '3' },
      { items: [cm('keep', '1')], resourceVersion: '9' },
      { items: [cm('keep', '1')], resourceVersion: '12' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    watches[0]?.emit({ type: 'ERROR', code: 410, message: 'too old resource version' })
    watches[0]?.end()
    await vi.advanceTimersByTimeAsync(0)
    expect(listed).toHaveLength(2)
    expect(names(source.snapshot())).toEqual(['keep'])
    expect(watches[1]?.resourceVersion).toBe('9')
    watches[1]?.end({ error: { message: 'Gone', status: 410 } })
    await vi.advanceTimersByTimeAsync(0)
    expect(listed).toHaveLength(3)
    expect(
      notices
        .filter((n) => n.kind === 'watch restarted')
        .map((n) => n.kind === 'watch restarted' && n.reason),
    ).toEqual(['expired', 'expired'])
  })

  it('restarts a watch that failed, with backoff, and is out of sync until it has listed again', async () => {
    const { source, watches, listed } = setup([
      { items: [cm('a', '1')], resourceVersion: '2' },
      { items: [cm('a', '1')], resourceVersion: '5' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    watches[0]?.end({ error: { message: 'TypeError: terminated' } })
    expect(source.synced()).toBe(false)
    await vi.advanceTimersByTimeAsync(749)
    expect(listed).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(listed).toHaveLength(2)
    expect(source.synced()).toBe(true)
  })

  it('resumes a cleanly ended watch from its last resourceVersion without listing', async () => {
    const { source, watches, listed } = setup([{ items: [], resourceVersion: '2' }])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    watches[0]?.emit({ type: 'BOOKMARK', resourceVersion: '40' })
    await vi.advanceTimersByTimeAsync(2000)
    watches[0]?.end()
    await vi.advanceTimersByTimeAsync(0)
    expect(listed).toHaveLength(1)
    expect(watches.map((w) => w.resourceVersion)).toEqual(['2', '40'])
    expect(source.synced()).toBe(true)
  })

  it('replaces a watch that went silent (watchdog), while events and bookmarks keep it alive', async () => {
    const { source, watches, notices } = setup([
      { items: [], resourceVersion: '2' },
      { items: [], resourceVersion: '8' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(4000)
      watches[0]?.emit({ type: 'BOOKMARK', resourceVersion: String(3 + i) })
    }
    expect(watches).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(watches[0]?.aborted).toBe(true)
    expect(notices.find((n) => n.kind === 'watch restarted')).toMatchObject({ reason: 'idle' })
    await vi.advanceTimersByTimeAsync(1000)
    expect(watches).toHaveLength(2)
    expect(watches[1]?.resourceVersion).toBe('8')
  })

  it('ignores late callbacks of a replaced watch', async () => {
    const { source, watches } = setup([
      { items: [cm('a', '1')], resourceVersion: '2' },
      { items: [cm('a', '1')], resourceVersion: '3' },
    ])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    const old = watches[0]
    old?.end({ error: { message: 'reset' } })
    await vi.advanceTimersByTimeAsync(1000)
    old?.emit({ type: 'ADDED', object: cm('ghost', '99') })
    expect(names(source.snapshot())).toEqual(['a'])
  })

  it('is in sync only when every namespace is, and merges them', async () => {
    const { source } = setup(
      [
        { items: [cm('a', '1', 'one')], resourceVersion: '2' },
        new Error('HTTP 403 forbidden'),
        { items: [cm('b', '3', 'two')], resourceVersion: '4' },
      ],
      ['one', 'two'],
    )
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(source.synced()).toBe(false)
    await vi.advanceTimersByTimeAsync(750)
    expect(source.synced()).toBe(true)
    expect(
      source
        .snapshot()
        .map((r) => `${r.namespace}/${r.name}`)
        .sort(),
    ).toEqual(['one/a', 'two/b'])
    source.stop()
  })

  it('stops watching and retrying when stopped', async () => {
    const { source, watches, listed } = setup([{ items: [], resourceVersion: '2' }])
    source.start()
    await vi.advanceTimersByTimeAsync(0)
    source.stop()
    expect(watches[0]?.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(listed).toHaveLength(1)
    expect(watches).toHaveLength(1)
  })
})
