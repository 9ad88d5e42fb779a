import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import {
  countInjectedPods,
  foldPodCounts,
  ListExpiredError,
  type PodCountOptions,
  type PodMetadata,
  type PodMetadataPage,
  type PodPageLister,
} from '../../relay/pod-counter.ts'
import type { PodCount } from '../../shared/fleet-api.ts'

const KEY = 'injector.tumblr.com/injected'

function pod(namespace: string, stamp?: string): PodMetadata {
  return stamp === undefined ? { namespace } : { namespace, annotations: { [KEY]: stamp } }
}

/** Serves `pods` in pages, recording each request; `expireAt` pages answer 410 once each. */
function pagedLister(pods: readonly PodMetadata[], options: { expireAt?: number[] } = {}) {
  const requests: { limit: number; continue: string | undefined }[] = []
  const expireAt = [...(options.expireAt ?? [])]
  const list: PodPageLister = async (request) => {
    requests.push({ limit: request.limit, continue: request.continue })
    const start = request.continue === undefined ? 0 : Number(request.continue)
    if (expireAt[0] === requests.length) {
      expireAt.shift()
      throw new ListExpiredError('HTTP 410: The provided continue parameter is too old')
    }
    const end = start + request.limit
    return {
      items: pods.slice(start, end),
      continue: end < pods.length ? String(end) : undefined,
    }
  }
  return { list, requests }
}

function options(
  listPage: PodPageLister,
  overrides: Partial<PodCountOptions> = {},
): PodCountOptions {
  return {
    listPage,
    annotationKey: KEY,
    pageSize: 2,
    maxRestarts: 3,
    maxRows: 10_000,
    now: () => new Date('2026-03-01T12:00:00Z'),
    signal: new AbortController().signal,
    ...overrides,
  }
}

describe('countInjectedPods', () => {
  it('counts injected pods per namespace and config@hash over every page', async () => {
    const pods = [
      pod('web', 'logger:v1@0a1b2c3d'),
      pod('web', 'logger:v1@0a1b2c3d,metrics:v1@4e5f6a7b'),
      pod('web'),
      pod('api', 'logger:v1@99999999'),
      pod('api', 'logger:v1@0a1b2c3d'),
    ]
    const { list, requests } = pagedLister(pods)
    const result = await countInjectedPods(options(list))
    expect(requests).toEqual([
      { limit: 2, continue: undefined },
      { limit: 2, continue: '2' },
      { limit: 2, continue: '4' },
    ])
    expect(result).toEqual({
      report: {
        listedAt: '2026-03-01T12:00:00.000Z',
        totalPods: 5,
        counts: [
          { config: 'logger:v1', hash: '0a1b2c3d', namespace: 'web', pods: 2 },
          { config: 'logger:v1', hash: '0a1b2c3d', namespace: 'api', pods: 1 },
          { config: 'logger:v1', hash: '99999999', namespace: 'api', pods: 1 },
          { config: 'metrics:v1', hash: '4e5f6a7b', namespace: 'web', pods: 1 },
        ],
      },
      pages: 3,
      restarts: 0,
      unreadable: 0,
      folded: 0,
    })
  })

  it.each([
    ['no @hash', 'logger:v1', [], 1],
    ['a short hash', 'logger:v1@0a1b', [], 1],
    ['a bad name', 'Logger!:v1@0a1b2c3d', [], 1],
    ['one bad entry among good ones', 'x@y,logger:v1@0A1B2C3D', ['logger:v1@0a1b2c3d'], 1],
    ['the same config twice', 'logger:v1@0a1b2c3d,logger:v1@0a1b2c3d', ['logger:v1@0a1b2c3d'], 0],
    ['an empty stamp', '', [], 0],
    ['a bare name (tumblr stamps nothing like it)', 'logger', [], 1],
  ])('skips %s', async (_, stamp, counted, unreadable) => {
    const { list } = pagedLister([pod('web', stamp)])
    const result = await countInjectedPods(options(list))
    expect(result.report.counts.map((c) => `${c.config}@${c.hash}`)).toEqual(counted)
    expect(result.report.totalPods).toBe(1)
    expect(result.unreadable).toBe(unreadable)
  })

  it('starts over when a continue token expires (410), without counting a pod twice', async () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod('web', `logger:v1@0000000${i % 2}`))
    const { list, requests } = pagedLister(pods, { expireAt: [2] })
    const result = await countInjectedPods(options(list))
    expect(requests.map((r) => r.continue)).toEqual([undefined, '2', undefined, '2', '4'])
    expect(result.restarts).toBe(1)
    expect(result.report.totalPods).toBe(5)
    expect(result.report.counts.map((c) => c.pods)).toEqual([3, 2])
  })

  it('gives up after the bounded number of restarts', async () => {
    const pods = Array.from({ length: 5 }, () => pod('web', 'logger:v1@0a1b2c3d'))
    const { list, requests } = pagedLister(pods, { expireAt: [2, 4, 6] })
    await expect(countInjectedPods(options(list, { maxRestarts: 2 }))).rejects.toThrow(
      ListExpiredError,
    )
    expect(requests).toHaveLength(6)
  })

  it('passes any other failure on at once', async () => {
    let calls = 0
    const list: PodPageLister = async () => {
      calls += 1
      throw new Error('HTTP 403: pods is forbidden')
    }
    await expect(countInjectedPods(options(list))).rejects.toThrow('pods is forbidden')
    expect(calls).toBe(1)
  })

  it('stops between pages once aborted', async () => {
    const controller = new AbortController()
    const pods = Array.from({ length: 6 }, () => pod('web'))
    const { list, requests } = pagedLister(pods)
    const aborting: PodPageLister = async (request, signal) => {
      const page = await list(request, signal)
      controller.abort(new Error('relay shutting down'))
      return page
    }
    await expect(
      countInjectedPods(options(aborting, { signal: controller.signal })),
    ).rejects.toThrow('relay shutting down')
    expect(requests).toHaveLength(1)
  })

  it('holds one page at a time: 10,000 pods over 20 pages leave no earlier page alive', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const total = 10_000
    const pageSize = 500
    const handedOut: WeakRef<PodMetadataPage>[] = []
    let mostAlive = 0
    const list: PodPageLister = async (request) => {
      // Earlier pages must be garbage by the time the next one is asked for.
      await new Promise((resolve) => setImmediate(resolve))
      gc()
      mostAlive = Math.max(mostAlive, handedOut.filter((ref) => ref.deref() !== undefined).length)
      const start = request.continue === undefined ? 0 : Number(request.continue)
      const items = Array.from({ length: Math.min(pageSize, total - start) }, (_, i) =>
        pod(
          `ns-${(start + i) % 7}`,
          `logger:v1@${((start + i) % 3).toString(16).padStart(8, '0')}`,
        ),
      )
      const end = start + items.length
      const page = { items, continue: end < total ? String(end) : undefined }
      handedOut.push(new WeakRef(page))
      return page
    }
    const result = await countInjectedPods(options(list, { pageSize }))
    expect(handedOut).toHaveLength(20)
    expect(mostAlive).toBe(0)
    expect(result.report.totalPods).toBe(total)
    // The counts grow with the distinct (namespace, config, hash) keys only: 7 x 3.
    expect(result.report.counts).toHaveLength(21)
    expect(result.report.counts.reduce((sum, c) => sum + c.pods, 0)).toBe(total)
  })
})

describe('foldPodCounts', () => {
  const row = (config: string, hash: string, namespace: string, pods: number): PodCount => ({
    config,
    hash,
    namespace,
    pods,
  })

  it('keeps a report within the limit as it is, most pods first', () => {
    const rows = [row('a:v1', '00000001', 'x', 1), row('a:v1', '00000001', 'y', 5)]
    expect(foldPodCounts(rows, 2)).toEqual({ counts: [rows[1], rows[0]], folded: 0 })
  })

  it('merges the smallest rows per config@hash into namespace "*", keeping totals exact', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => row('a:v1', '00000001', `ns-${i}`, 100 - i)),
      ...Array.from({ length: 10 }, (_, i) => row('b:v1', '00000002', `ns-${i}`, 50 - i)),
    ]
    const { counts, folded } = foldPodCounts(rows, 8)
    expect(counts).toHaveLength(8)
    expect(folded).toBe(rows.length - 6)
    expect(counts.slice(0, 6).every((c) => c.namespace !== '*')).toBe(true)
    expect(counts.slice(6).map((c) => [c.config, c.namespace])).toEqual([
      ['b:v1', '*'],
      ['a:v1', '*'],
    ])
    const total = (config: string, list: readonly PodCount[]) =>
      list.filter((c) => c.config === config).reduce((sum, c) => sum + c.pods, 0)
    expect(total('a:v1', counts)).toBe(total('a:v1', rows))
    expect(total('b:v1', counts)).toBe(total('b:v1', rows))
  })

  it('drops the smallest merged rows when even config@hash pairs outnumber the limit', () => {
    const rows = Array.from({ length: 5 }, (_, i) => row(`c${i}:v1`, '00000001', 'x', i + 1))
    const { counts } = foldPodCounts(rows, 3)
    expect(counts.map((c) => [c.config, c.pods])).toEqual([
      ['c4:v1', 5],
      ['c3:v1', 4],
      ['c2:v1', 3],
    ])
  })
})
