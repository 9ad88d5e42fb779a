import type { ConfigMapClient } from './configmap-client.ts'
import type { ConfigMapRecord } from './desired-set.ts'
import { createReflector, type WatchPacing } from './reflector.ts'

export type { SourceNotice } from './reflector.ts'

export interface ConfigMapSourceOptions extends WatchPacing {
  readonly client: ConfigMapClient
  /** Namespaces to list and watch, each on its own; undefined = all namespaces at once. */
  readonly namespaces: readonly (string | undefined)[]
  readonly labelSelector: string
  /** The set of ConfigMaps changed (at the given time). */
  readonly onChange: (at: number) => void
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

/** Creates the source: one reflector per namespace (or one for all namespaces). */
export function createConfigMapSource(options: ConfigMapSourceOptions): ConfigMapSource {
  // What is left is the pacing and onChange, handed to every reflector as given.
  const { client, namespaces, labelSelector, ...rest } = options
  const reflectors = namespaces.map((namespace) =>
    createReflector<ConfigMapRecord>({
      ...rest,
      listWatch: {
        list: () => client.list(namespace, labelSelector),
        watch: (resourceVersion, onEvent, onEnd) =>
          client.watch(namespace, labelSelector, resourceVersion, onEvent, onEnd),
      },
      label: namespace ?? '*',
      keyOf: (cm) => `${cm.namespace}/${cm.name}`,
      resourceVersionOf: (cm) => cm.resourceVersion,
    }),
  )
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
