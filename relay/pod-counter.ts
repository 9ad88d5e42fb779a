import type { PodCount, PodReport } from '../shared/fleet-api.ts'
import { parseInjectedAnnotation } from '../shared/injected-annotation.ts'

/** The part of a pod the counter reads (a PartialObjectMetadata's metadata). */
export interface PodMetadata {
  readonly namespace?: string | undefined
  readonly annotations?: Readonly<Record<string, string>> | undefined
}

/** One page of a pod list. */
export interface PodMetadataPage {
  readonly items: readonly PodMetadata[]
  /** The token for the next page; absent or empty on the last. */
  readonly continue?: string | undefined
}

/** Lists one page of pods, cluster-wide; throws ListExpiredError on 410 Gone. */
export type PodPageLister = (
  request: { readonly limit: number; readonly continue?: string | undefined },
  signal: AbortSignal,
) => Promise<PodMetadataPage>

/** The continue token expired (HTTP 410 Gone): the listing must start over. */
export class ListExpiredError extends Error {
  override readonly name = 'ListExpiredError'
}

export interface PodCountOptions {
  readonly listPage: PodPageLister
  /** `{annotation namespace}/injected`. */
  readonly annotationKey: string
  readonly pageSize: number
  /** Listings started over after a 410 before giving up. */
  readonly maxRestarts: number
  /** Most count rows in the report (see foldPodCounts). */
  readonly maxRows: number
  readonly now: () => Date
  readonly signal: AbortSignal
}

/** A finished count: the report to send, and what it took. */
export interface PodCountResult {
  readonly report: PodReport
  readonly pages: number
  /** Listings started over after an expired continue token. */
  readonly restarts: number
  /** Stamp entries that were not `name:version@8hex`, skipped. */
  readonly unreadable: number
  /** Rows merged into `namespace: "*"` rows to stay within maxRows. */
  readonly folded: number
}

/**
 * Lists every pod page by page and counts injected pods per (namespace, config, hash). Each
 * page is dropped once counted, so memory grows with the distinct keys, not with the pods.
 */
export async function countInjectedPods(options: PodCountOptions): Promise<PodCountResult> {
  for (let restarts = 0; ; restarts++) {
    try {
      const result = await countOnce(options)
      return { ...result, restarts }
    } catch (error) {
      if (!(error instanceof ListExpiredError) || restarts >= options.maxRestarts) throw error
    }
  }
}

async function countOnce(options: PodCountOptions): Promise<Omit<PodCountResult, 'restarts'>> {
  const listedAt = options.now().toISOString()
  const counts = new Map<string, number>()
  const tally = { totalPods: 0, pages: 0, unreadable: 0 }
  // One page per call: once it returns, nothing refers to the page any more, not even a
  // suspended frame's stale register, so at most one page is alive at a time.
  const countPage = async (token: string | undefined): Promise<string | undefined> => {
    options.signal.throwIfAborted()
    const page = await options.listPage(
      { limit: options.pageSize, continue: token },
      options.signal,
    )
    tally.pages += 1
    tally.totalPods += page.items.length
    for (const pod of page.items) {
      const stamp = pod.annotations?.[options.annotationKey]
      if (stamp === undefined || stamp.trim() === '') continue
      const configs = parseInjectedAnnotation(stamp)
      const entries = stamp.split(',').filter((part) => part.trim() !== '').length
      tally.unreadable += entries - configs.length
      // One pod counts once per config@hash, even if its stamp names it twice.
      const keys = new Set(configs.map((c) => countKey(pod.namespace ?? '', c.config, c.hash)))
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return page.continue === '' ? undefined : page.continue
  }
  let token = await countPage(undefined)
  while (token !== undefined) token = await countPage(token)
  const rows = [...counts].map(([key, pods]) => ({ ...splitKey(key), pods }))
  const { counts: capped, folded } = foldPodCounts(rows, options.maxRows)
  return {
    report: { listedAt, totalPods: tally.totalPods, counts: capped },
    pages: tally.pages,
    unreadable: tally.unreadable,
    folded,
  }
}

// Namespaces, names and hashes never hold a newline.
function countKey(namespace: string, config: string, hash: string): string {
  return `${namespace}\n${config}\n${hash}`
}

function splitKey(key: string): Omit<PodCount, 'pods'> {
  const [namespace = '', config = '', hash = ''] = key.split('\n')
  return { config, hash, namespace }
}

/**
 * Keeps a report within `maxRows`: the rows with the most pods stay as they are; the rest are
 * merged per config@hash into rows of namespace `*`, so the counts per config@hash stay exact
 * and only the namespace split of the smallest rows is lost. Rows are ordered by pods, most
 * first, then config, hash and namespace.
 */
export function foldPodCounts(
  rows: readonly PodCount[],
  maxRows: number,
): { counts: PodCount[]; folded: number } {
  const sorted = [...rows].sort(
    (a, b) =>
      b.pods - a.pods ||
      compare(a.config, b.config) ||
      compare(a.hash, b.hash) ||
      compare(a.namespace, b.namespace),
  )
  if (sorted.length <= maxRows) return { counts: sorted, folded: 0 }
  // Room for one merged row per distinct config@hash, whichever rows end up merged.
  const distinct = new Set(sorted.map((row) => `${row.config}@${row.hash}`)).size
  const kept = sorted.slice(0, Math.max(0, maxRows - distinct))
  const merged = new Map<string, PodCount>()
  for (const row of sorted.slice(kept.length)) {
    const key = `${row.config}@${row.hash}`
    const previous = merged.get(key)
    merged.set(key, {
      config: row.config,
      hash: row.hash,
      namespace: '*',
      pods: (previous?.pods ?? 0) + row.pods,
    })
  }
  const tail = [...merged.values()].sort(
    (a, b) => b.pods - a.pods || compare(a.config, b.config) || compare(a.hash, b.hash),
  )
  // More distinct config@hash pairs than rows: the smallest merged rows are dropped.
  const counts = [...kept, ...tail].slice(0, maxRows)
  return { counts, folded: sorted.length - kept.length }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
