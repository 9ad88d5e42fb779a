import type { Verb } from './route.ts'

/** What an injected fault does to a matching request. */
export type FaultAction =
  /** Answer with this HTTP status and a matching Status body (429 adds Retry-After). */
  | { readonly type: 'status'; readonly code: number; readonly retryAfterSeconds?: number }
  /** Accept the request and never answer (the socket stays open until the server stops). */
  | { readonly type: 'hang' }
  /** Wait, then serve normally. */
  | { readonly type: 'delay'; readonly ms: number }
  /** Destroy the socket: before answering, or on a watch after `afterEvents` events (default 0). */
  | { readonly type: 'drop'; readonly afterEvents?: number }
  /** Watch only: after `afterEvents` events send nothing more (no bookmarks either) and never close. */
  | { readonly type: 'stall'; readonly afterEvents?: number }
  /** Watch only: after `afterEvents` events write one non-JSON line, then carry on. */
  | { readonly type: 'garble'; readonly afterEvents?: number; readonly line?: string }

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  readonly verb?: Verb | readonly Verb[]
  /** Plural resource name, e.g. `configmaps` or `events`. */
  readonly resource?: string
  readonly namespace?: string
}

/** A fault to inject: the action, which requests, and for how many (default: until cleared). */
export type FaultSpec = FaultAction & FaultMatch & { readonly times?: number }

/** A live fault: how often it fired, and how to remove it. */
export interface FaultHandle {
  hits(): number
  clear(): void
}

/** The request facts a fault is matched against. */
export interface FaultTarget {
  readonly verb: Verb
  readonly resource: string | undefined
  readonly namespace: string | undefined
}

interface ActiveFault {
  readonly spec: FaultSpec
  hits: number
}

/** The set of injected faults; the first live match wins and is consumed once per request. */
export class FaultSet {
  private faults: ActiveFault[] = []

  /** Adds a fault. */
  inject(spec: FaultSpec): FaultHandle {
    const fault: ActiveFault = { spec, hits: 0 }
    this.faults.push(fault)
    return {
      hits: () => fault.hits,
      clear: () => {
        this.faults = this.faults.filter((f) => f !== fault)
      },
    }
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = []
  }

  /** The action for this request, counting it against the fault's `times`. */
  take(target: FaultTarget): FaultAction | undefined {
    const fault = this.faults.find((f) => matches(f.spec, target))
    if (fault === undefined) return undefined
    fault.hits += 1
    if (fault.spec.times !== undefined && fault.hits >= fault.spec.times) {
      this.faults = this.faults.filter((f) => f !== fault)
    }
    return fault.spec
  }
}

function matches(spec: FaultSpec, target: FaultTarget): boolean {
  if (spec.verb !== undefined) {
    const verbs: readonly Verb[] = typeof spec.verb === 'string' ? [spec.verb] : spec.verb
    if (!verbs.includes(target.verb)) return false
  }
  if (spec.resource !== undefined && spec.resource !== target.resource) return false
  if (spec.namespace !== undefined && spec.namespace !== target.namespace) return false
  return true
}
