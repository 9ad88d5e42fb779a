import { MAX_NAMESPACE_DEFAULTS } from '../shared/cluster-facts.ts'
import type { NamespaceRecord } from './namespace-default.ts'
import { collectNamespaceDefaults } from './namespace-default.ts'
import { createReflector, type ListWatch, type WatchPacing } from './reflector.ts'

export interface NamespaceSourceOptions extends WatchPacing {
  /** Namespaces, cluster-wide, read into records (see `readNamespaceRecord`). */
  readonly listWatch: ListWatch<NamespaceRecord>
  /** The defaults changed (at the given time); also after every successful list. */
  readonly onChange: (at: number) => void
  /** A namespace's request annotation is not a valid request: it gives no default. */
  readonly onInvalid?: (namespace: string, problem: string) => void
}

/** The namespace defaults of the cluster, kept current by list + watch of namespaces. */
export interface NamespaceSource {
  start(): void
  stop(): void
  /** True once listed, until a list or watch fails. */
  synced(): boolean
  /** Namespace name to default request; only meaningful while `synced()`. */
  defaults(): Record<string, string>
}

/**
 * Creates the source. Only namespaces with a valid request annotation are cached, so a cluster
 * of many namespaces costs the relay the annotated ones only.
 */
export function createNamespaceSource(options: NamespaceSourceOptions): NamespaceSource {
  // What is left is the pacing and onChange, handed to the reflector as given.
  const { listWatch, onInvalid, ...rest } = options
  const report = (record: NamespaceRecord): void => {
    if (record.problem !== undefined) onInvalid?.(record.name, record.problem)
  }
  const reflector = createReflector<NamespaceRecord>({
    ...rest,
    listWatch: {
      list: async () => {
        const answer = await listWatch.list()
        for (const record of answer.items) report(record)
        return answer
      },
      watch: (resourceVersion, onEvent, onEnd) =>
        listWatch.watch(
          resourceVersion,
          (event) => {
            if (event.type === 'ADDED' || event.type === 'MODIFIED') report(event.object)
            onEvent(event)
          },
          onEnd,
        ),
    },
    label: '*',
    keyOf: (record) => record.name,
    resourceVersionOf: (record) => record.resourceVersion,
    retain: (record) => record.request !== undefined,
    // Most namespace updates (labels, status) leave the default as it was: not a change.
    same: (a, b) => a.request === b.request,
  })
  return {
    start: () => reflector.start(),
    stop: () => reflector.stop(),
    synced: () => reflector.synced(),
    defaults: () => {
      const { defaults, left } = collectNamespaceDefaults(reflector.snapshot())
      // Past the Worker's limit the push still goes, without these, and each is logged.
      for (const name of left) {
        onInvalid?.(name, `more than ${MAX_NAMESPACE_DEFAULTS} namespaces have a default`)
      }
      return defaults
    },
  }
}
