import type { CoreV1Event } from '@kubernetes/client-node'
import type { InvalidConfig } from './desired-set.ts'

/** Who found the problem: the relay's own parser, or the Worker answering a push. */
export type ProblemOrigin = 'relay' | 'worker'

export interface EventReporterOptions {
  readonly post: (event: CoreV1Event) => Promise<void>
  readonly now: () => Date
  /** Pod name, for `reportingInstance`. */
  readonly instance: string
  /** A problem not reported before (logged by the caller). */
  readonly onNew?: (origin: ProblemOrigin, problem: InvalidConfig) => void
  readonly onPosted?: (problem: InvalidConfig) => void
  readonly onError?: (problem: InvalidConfig, message: string) => void
}

/** Reports invalid configs as Events on their ConfigMaps, once per distinct problem. */
export interface EventReporter {
  /** The complete list of current problems from one origin; only new ones are posted. */
  report(origin: ProblemOrigin, problems: readonly InvalidConfig[]): void
  /** Resolves when every queued Event was posted or failed. */
  idle(): Promise<void>
}

const COMPONENT = 'sidecar-injector-relay'
// The API server rejects Event messages above 1 KiB (core/v1 validation).
const MAX_MESSAGE = 1024
const MAX_QUEUE = 200

/** Formats the Event message: the key and each issue with its field path. */
export function formatProblem(problem: InvalidConfig): string {
  const issues = problem.issues.map((issue) =>
    issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`,
  )
  const ref = problem.ref === undefined ? '' : ` (${problem.ref})`
  const text = `invalid sidecar config in key "${problem.key}"${ref}: ${issues.join('; ')}`
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text
}

/** Builds the core/v1 Event for one problem: type Warning, reason InvalidSidecarConfig. */
export function buildProblemEvent(
  problem: InvalidConfig,
  now: Date,
  instance: string,
): CoreV1Event {
  const { configMap } = problem
  return {
    metadata: { generateName: `${configMap.name}.`, namespace: configMap.namespace },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: configMap.namespace,
      name: configMap.name,
      ...(configMap.uid === undefined ? {} : { uid: configMap.uid }),
      ...(configMap.resourceVersion === undefined
        ? {}
        : { resourceVersion: configMap.resourceVersion }),
    },
    type: 'Warning',
    reason: 'InvalidSidecarConfig',
    message: formatProblem(problem),
    source: { component: COMPONENT },
    reportingComponent: COMPONENT,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  }
}

/** Creates the reporter; posting happens in the background, one Event at a time. */
export function createEventReporter(options: EventReporterOptions): EventReporter {
  const reported: Record<ProblemOrigin, Set<string>> = { relay: new Set(), worker: new Set() }
  const queue: InvalidConfig[] = []
  let draining: Promise<void> | undefined

  const drain = async (): Promise<void> => {
    for (let problem = queue.shift(); problem !== undefined; problem = queue.shift()) {
      try {
        await options.post(buildProblemEvent(problem, options.now(), options.instance))
        options.onPosted?.(problem)
      } catch (error) {
        options.onError?.(problem, error instanceof Error ? error.message : String(error))
      }
    }
  }

  // Restarted after each run, so a problem queued while the last run was finishing is not stranded.
  const kick = (): void => {
    if (draining !== undefined || queue.length === 0) return
    draining = drain().finally(() => {
      draining = undefined
      kick()
    })
  }

  return {
    report: (origin, problems) => {
      const current = new Set<string>()
      for (const problem of problems) {
        const key = problemKey(problem)
        if (!reported[origin].has(key)) {
          // Left unrecorded when the queue is full, so the next report offers it again.
          if (queue.length >= MAX_QUEUE) continue
          queue.push(problem)
          options.onNew?.(origin, problem)
        }
        current.add(key)
      }
      // Forget fixed problems, so one that comes back is reported again.
      reported[origin] = current
      kick()
    },
    idle: async () => {
      while (draining !== undefined) await draining
    },
  }
}

function problemKey(problem: InvalidConfig): string {
  const { configMap } = problem
  return JSON.stringify([
    configMap.namespace,
    configMap.name,
    configMap.uid ?? '',
    problem.key,
    formatProblem(problem),
  ])
}
