import type { Registry } from './registry.ts'
import { badRequest, tooLargeResourceVersion } from './status.ts'
import type { ObjectStore } from './store.ts'
import type { WatchSet } from './watch-set.ts'

/** Timing knobs of the fake (defaults and their real counterparts: FakeApiServerOptions). */
export interface ServerSettings {
  readonly bookmarkIntervalMs: number
  readonly watchTimeoutSeconds: number
  readonly tooLargeWaitMs: number
}

/** What request handlers share. */
export interface ServerContext {
  readonly store: ObjectStore
  readonly registry: Registry
  readonly watches: WatchSet
  readonly settings: ServerSettings
}

/** Parses a resourceVersion query value; 400 when it is not a decimal revision. */
export function parseResourceVersion(text: string): number {
  if (!/^\d+$/.test(text)) throw badRequest(`invalid resource version "${text}"`)
  return Number(text)
}

/**
 * Waits until the store reaches `resourceVersion`, as the watch cache does for a version it has
 * not seen yet; gives up with 504 "Too large resource version" after `tooLargeWaitMs`.
 */
export async function waitForResourceVersion(
  context: ServerContext,
  resourceVersion: number,
): Promise<void> {
  const { store, settings } = context
  if (resourceVersion <= store.resourceVersion()) return
  await new Promise<void>((resolve, reject) => {
    const unsubscribe = store.subscribe(() => {
      if (store.resourceVersion() < resourceVersion) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
    const timer = setTimeout(() => {
      unsubscribe()
      reject(tooLargeResourceVersion(resourceVersion, store.resourceVersion()))
    }, settings.tooLargeWaitMs)
  })
}
