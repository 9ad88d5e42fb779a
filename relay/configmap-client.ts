import type { ConfigMapRecord } from './desired-set.ts'
import type { ListAnswer, WatchEnd, WatchEvent, WatchHandle } from './reflector.ts'

export type { WatchEnd, WatchHandle } from './reflector.ts'

/** A list answer: the ConfigMaps and the collection's resourceVersion to watch from. */
export type ConfigMapList = ListAnswer<ConfigMapRecord>

/** One decoded ConfigMap watch event. */
export type ConfigMapWatchEvent = WatchEvent<ConfigMapRecord>

/** The API server calls the relay makes for ConfigMaps; `namespace` undefined = all namespaces. */
export interface ConfigMapClient {
  list(namespace: string | undefined, labelSelector: string): Promise<ConfigMapList>
  watch(
    namespace: string | undefined,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (event: ConfigMapWatchEvent) => void,
    onEnd: (end: WatchEnd) => void,
  ): Promise<WatchHandle>
}
