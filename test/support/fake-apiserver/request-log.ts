import type { Verb } from './route.ts'

/** One request as the fake saw it. */
export interface RequestRecord {
  readonly method: string
  /** Path and query as sent. */
  readonly url: string
  readonly verb: Verb
  /** Plural resource, e.g. `configmaps` (undefined for discovery). */
  readonly resource: string | undefined
  readonly namespace: string | undefined
  readonly name: string | undefined
  /** Query parameters, decoded. */
  readonly query: Readonly<Record<string, string>>
  readonly userAgent: string | undefined
  /** The Accept header (how the answer was asked to look). */
  readonly accept: string | undefined
  /** Whether an Authorization header was present (its value is never kept). */
  readonly authorized: boolean
  /** The injected fault type that hit this request, if any. */
  readonly fault: string | undefined
  readonly at: Date
  /** HTTP status sent (undefined while unanswered, or when the socket was dropped or hung). */
  status: number | undefined
}

/** Filter for counting requests; every given field must match. */
export interface RequestFilter {
  readonly verb?: Verb
  readonly resource?: string
  readonly namespace?: string
}

/** Records requests for assertions. */
export class RequestLog {
  private readonly records: RequestRecord[] = []

  /** Adds a record. */
  add(record: RequestRecord): void {
    this.records.push(record)
  }

  /** Records matching the filter, oldest first. */
  list(filter: RequestFilter = {}): RequestRecord[] {
    return this.records.filter(
      (r) =>
        (filter.verb === undefined || r.verb === filter.verb) &&
        (filter.resource === undefined || r.resource === filter.resource) &&
        (filter.namespace === undefined || r.namespace === filter.namespace),
    )
  }

  /** Forgets every record (e.g. between phases of a test). */
  reset(): void {
    this.records.length = 0
  }
}
