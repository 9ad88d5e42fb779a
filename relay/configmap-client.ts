import type { ConfigMapRecord } from './desired-set.ts'

/** A list answer: the objects and the collection's resourceVersion to watch from. */
export interface ConfigMapList {
  readonly items: readonly ConfigMapRecord[]
  readonly resourceVersion: string
}

/** One decoded watch event (API concepts, "Efficient detection of changes"). */
export type ConfigMapWatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: ConfigMapRecord }
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
