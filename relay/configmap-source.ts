import { computeBackoff } from './backoff.ts'
import type {
  ConfigMapClient,
  ConfigMapWatchEvent,
  WatchEnd,
  WatchHandle,
} from './configmap-client.ts'
import type { ConfigMapRecord } from './desired-set.ts'

/** Something the source did that operators want to see in logs and metrics. */
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

export interface ConfigMapSourceOptions {
  readonly client: ConfigMapClient
  /** Namespaces to list and watch, each on its own; undefined = all namespaces at once. */
  readonly namespaces: readonly (string | undefined)[]
  readonly labelSelector: string
  readonly random: () => number
  /** A watch with no event or bookmark for this long is replaced (watchdog). */
  readonly idleTimeoutMs: number
  readonly backoffMaxMs: number
  readonly backoffBaseMs?: number
  /** The set of ConfigMaps changed (at the given time). */
  readonly onChange: (at: number) => void
  readonly onNotice?: (notice: SourceNotice) => void
}

/** The watched ConfigMaps, kept current by list + watch per namespace. */
export interface ConfigMapSource {
  start(): void
  stop(): void
  /** True when every namespace has been listed and no list or watch failed since. */
  synced(): boolean
  /** The ConfigMaps now; only meaningful while `synced()`. */
  snapshot(): ConfigMapRecord[]
}

// Watches that end on their own this quickly count as failures, so they cannot spin.
const SHORT_WATCH_MS = 1000

/** Creates the source; `start` lists, then watches, restarting on any failure with backoff. */
export function createConfigMapSource(options: ConfigMapSourceOptions): ConfigMapSource {
  const reflectors = options.namespaces.map((namespace) => createReflector(namespace, options))
  return {
    start: () => {
      for (const reflector of reflectors) reflector.start()
    },
    stop: () => {
      for (const reflector of reflectors) reflector.stop()
    },
    synced: () => reflectors.every((reflector) => reflector.synced()),
    snapshot: () => reflectors.flatMap((reflector) => reflector.snapshot()),
  }
}

interface Reflector {
  start(): void
  stop(): void
  synced(): boolean
  snapshot(): ConfigMapRecord[]
}

function createReflector(
  namespace: string | undefined,
  options: ConfigMapSourceOptions,
): Reflector {
  const { client } = options
  const label = namespace ?? '*'
  const backoff = { baseMs: options.backoffBaseMs ?? 250, maxMs: options.backoffMaxMs }
  let objects = new Map<string, ConfigMapRecord>()
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

  const keyOf = (cm: ConfigMapRecord): string => `${cm.namespace}/${cm.name}`

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

  // A failed list or watch means the cached set may be stale: never push it, list again.
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
    let list: Awaited<ReturnType<ConfigMapClient['list']>>
    try {
      list = await client.list(namespace, options.labelSelector)
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
    objects = new Map(list.items.map((cm) => [keyOf(cm), cm]))
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

  const watch = async (): Promise<void> => {
    endWatch()
    const mine = generation
    const startedAt = Date.now()
    watchStartedAt ??= startedAt
    let sawEvent = false
    let expired = false
    lastActivity = startedAt
    armWatchdog(mine)
    const onEvent = (event: ConfigMapWatchEvent): void => {
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
      const cm = event.object
      if (event.type === 'DELETED') objects.delete(keyOf(cm))
      else objects.set(keyOf(cm), cm)
      resourceVersion = cm.resourceVersion ?? resourceVersion
      options.onChange(lastActivity)
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
      const opened = await client.watch(
        namespace,
        options.labelSelector,
        resourceVersion,
        onEvent,
        onEnd,
      )
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
