// The relay's list + watch loop (client-go's reflector, cut to what the relay needs): list,
// watch from the list's resourceVersion with bookmarks, resume after a clean end, relist after
// 410 Gone or any failure, with backoff and an idle watchdog. ConfigMaps and namespaces use it.
import { computeBackoff } from './backoff.ts'

/** One decoded watch event (API concepts, "Efficient detection of changes"). */
export type WatchEvent<T> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: T }
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | { readonly type: 'ERROR'; readonly code?: number | undefined; readonly message: string }

/** Why a watch ended: undefined for a clean end; `status` for an HTTP error answer. */
export interface WatchEnd {
  readonly error?: { readonly message: string; readonly status?: number | undefined }
}

/** A running watch; `abort` is safe to call more than once. */
export interface WatchHandle {
  abort(): void
}

/** A list answer: the objects and the collection's resourceVersion to watch from. */
export interface ListAnswer<T> {
  readonly items: readonly T[]
  readonly resourceVersion: string
}

/** List and watch of one collection (one namespace's ConfigMaps, all namespaces, ...). */
export interface ListWatch<T> {
  list(): Promise<ListAnswer<T>>
  watch(
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    onEnd: (end: WatchEnd) => void,
  ): Promise<WatchHandle>
}

/** Something a reflector did that operators want to see in logs and metrics. */
export type SourceNotice =
  | { readonly kind: 'listed'; readonly namespace: string; readonly count: number }
  | {
      readonly kind: 'list failed'
      readonly namespace: string
      readonly message: string
      readonly retryInMs: number
    }
  | {
      readonly kind: 'watch restarted'
      readonly namespace: string
      readonly reason: 'error' | 'expired' | 'idle' | 'short'
      readonly message: string
      readonly retryInMs: number
    }

/** How a list + watch retries and what it tells: the same for every source of the relay. */
export interface WatchPacing {
  readonly random: () => number
  /** A watch with no event or bookmark for this long is replaced (watchdog). */
  readonly idleTimeoutMs: number
  readonly backoffMaxMs: number
  readonly backoffBaseMs?: number
  readonly onNotice?: (notice: SourceNotice) => void
}

export interface ReflectorOptions<T> extends WatchPacing {
  readonly listWatch: ListWatch<T>
  /** Named in notices: the namespace watched, or `*`. */
  readonly label: string
  readonly keyOf: (item: T) => string
  readonly resourceVersionOf: (item: T) => string | undefined
  /** Items kept in the cache (default all); one that stops passing is dropped, as if deleted. */
  readonly retain?: (item: T) => boolean
  /** Equal items: a change to an equal item is not one (default: every event is a change). */
  readonly same?: (a: T, b: T) => boolean
  /** The cached items changed (at the given time); also after every successful list. */
  readonly onChange: (at: number) => void
}

/** A cache of one collection kept current by list + watch. */
export interface Reflector<T> {
  start(): void
  stop(): void
  /** True once listed, until a list or watch fails. */
  synced(): boolean
  /** The cached items; only meaningful while `synced()`. */
  snapshot(): T[]
}

// Watches that end on their own this quickly count as failures, so they cannot spin.
const SHORT_WATCH_MS = 1000

/** Creates a reflector; `start` lists, then watches, restarting on any failure with backoff. */
export function createReflector<T>(options: ReflectorOptions<T>): Reflector<T> {
  const { listWatch, keyOf, label } = options
  const retain = options.retain ?? (() => true)
  const same = options.same ?? (() => false)
  const backoff = { baseMs: options.backoffBaseMs ?? 250, maxMs: options.backoffMaxMs }
  let objects = new Map<string, T>()
  let resourceVersion = ''
  let synced = false
  let stopped = false
  let failures = 0
  // Each watch gets a generation; callbacks of a replaced watch are ignored.
  let generation = 0
  let handle: WatchHandle | undefined
  let timer: NodeJS.Timeout | undefined
  let watchdog: NodeJS.Timeout | undefined
  let lastActivity = 0
  let watchStartedAt: number | undefined

  // Timers are unref'd so a pending one never keeps a stopping relay alive.
  const schedule = (ms: number, run: () => void): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      if (!stopped) run()
    }, ms).unref()
  }

  const endWatch = (): void => {
    generation += 1
    if (watchdog !== undefined) clearTimeout(watchdog)
    watchdog = undefined
    handle?.abort()
    handle = undefined
  }

  // A failed list or watch means the cache may be stale: never push it, list again.
  const restart = (reason: 'error' | 'expired' | 'idle' | 'short', message: string): void => {
    endWatch()
    synced = false
    // A watch that ran longer than the backoff cap was healthy: start the backoff over.
    if (watchStartedAt !== undefined && Date.now() - watchStartedAt > backoff.maxMs) failures = 0
    watchStartedAt = undefined
    const retryInMs = reason === 'expired' ? 0 : computeBackoff(++failures, backoff, options.random)
    options.onNotice?.({ kind: 'watch restarted', namespace: label, reason, message, retryInMs })
    schedule(retryInMs, () => void relist())
  }

  const relist = async (): Promise<void> => {
    let list: ListAnswer<T>
    try {
      list = await listWatch.list()
    } catch (error) {
      if (stopped) return
      synced = false
      const retryInMs = computeBackoff(++failures, backoff, options.random)
      const message = error instanceof Error ? error.message : String(error)
      options.onNotice?.({ kind: 'list failed', namespace: label, message, retryInMs })
      schedule(retryInMs, () => void relist())
      return
    }
    if (stopped) return
    objects = new Map(list.items.filter(retain).map((item) => [keyOf(item), item]))
    resourceVersion = list.resourceVersion
    synced = true
    options.onNotice?.({ kind: 'listed', namespace: label, count: objects.size })
    options.onChange(Date.now())
    void watch()
  }

  const armWatchdog = (mine: number): void => {
    if (watchdog !== undefined) clearTimeout(watchdog)
    watchdog = setTimeout(() => {
      watchdog = undefined
      if (mine !== generation || stopped) return
      const idleMs = Date.now() - lastActivity
      restart('idle', `no watch event or bookmark for ${idleMs} ms`)
    }, options.idleTimeoutMs).unref()
  }

  // Applies an event to the cache; true when the cached items changed.
  const apply = (type: 'ADDED' | 'MODIFIED' | 'DELETED', item: T): boolean => {
    const key = keyOf(item)
    const previous = objects.get(key)
    if (type === 'DELETED' || !retain(item)) {
      if (previous === undefined) return false
      objects.delete(key)
      return true
    }
    objects.set(key, item)
    return previous === undefined || !same(previous, item)
  }

  const watch = async (): Promise<void> => {
    endWatch()
    const mine = generation
    const startedAt = Date.now()
    watchStartedAt ??= startedAt
    let sawEvent = false
    let expired = false
    lastActivity = startedAt
    armWatchdog(mine)
    const onEvent = (event: WatchEvent<T>): void => {
      if (mine !== generation || stopped) return
      lastActivity = Date.now()
      armWatchdog(mine)
      if (event.type === 'ERROR') {
        // 410 Gone as an event: the resourceVersion is compacted away; the stream ends next.
        if (event.code === 410) expired = true
        else restart('error', `watch ERROR event: ${event.message}`)
        return
      }
      sawEvent = true
      failures = 0
      if (event.type === 'BOOKMARK') {
        resourceVersion = event.resourceVersion
        return
      }
      resourceVersion = options.resourceVersionOf(event.object) ?? resourceVersion
      if (apply(event.type, event.object)) options.onChange(lastActivity)
    }
    const onEnd = (end: WatchEnd): void => {
      if (mine !== generation || stopped) return
      if (expired || end.error?.status === 410) {
        restart('expired', `resourceVersion ${resourceVersion} expired (410 Gone)`)
      } else if (end.error !== undefined) {
        restart('error', end.error.message)
      } else if (!sawEvent && Date.now() - startedAt < SHORT_WATCH_MS) {
        restart('short', 'watch ended right after it opened')
      } else {
        // A clean end (server-side timeout): resume from the last resourceVersion, no relist.
        void watch()
      }
    }
    try {
      const opened = await listWatch.watch(resourceVersion, onEvent, onEnd)
      // The watchdog may have replaced this watch while it was still connecting.
      if (mine !== generation || stopped) opened.abort()
      else handle = opened
    } catch (error) {
      if (mine !== generation || stopped) return
      restart('error', error instanceof Error ? error.message : String(error))
    }
  }

  return {
    start: () => {
      stopped = false
      void relist()
    },
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      endWatch()
    },
    synced: () => synced,
    snapshot: () => [...objects.values()],
  }
}
