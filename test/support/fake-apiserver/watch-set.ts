/** What tests can see of an open watch stream. */
export interface WatchInfo {
  readonly id: number
  /** Plural resource, e.g. `configmaps`. */
  readonly resource: string
  readonly namespace: string | undefined
  readonly labelSelector: string | undefined
  readonly fieldSelector: string | undefined
  /** The resourceVersion the client asked to start from (undefined when absent). */
  readonly resourceVersion: string | undefined
  readonly startedAt: Date
  /** Events written so far (including bookmarks). */
  eventsSent(): number
}

/** An open watch the server can act on. */
export interface OpenWatch extends WatchInfo {
  /** Destroys the socket mid-stream (the client sees an aborted body). */
  drop(): void
  /** Stops writing anything (events, bookmarks, the timeout close) but keeps the socket open. */
  stall(): void
  /** Sends an ERROR event with a 410 Expired Status, then ends the stream. */
  expire(): void
  /** Ends the stream cleanly, as when timeoutSeconds elapses. */
  close(): void
}

/** The currently open watches, with waiters for tests. */
export class WatchSet {
  private readonly open = new Set<OpenWatch>()
  private waiters: (() => void)[] = []
  private nextId = 1

  /** A fresh watch id. */
  allocateId(): number {
    return this.nextId++
  }

  /** Registers an open watch. */
  add(watch: OpenWatch): void {
    this.open.add(watch)
    this.notify()
  }

  /** Forgets a closed watch. */
  remove(watch: OpenWatch): void {
    this.open.delete(watch)
    this.notify()
  }

  /** Snapshot of the open watches. */
  list(): OpenWatch[] {
    return [...this.open]
  }

  /** Resolves once `predicate` holds for the open watches; rejects after `timeoutMs`. */
  waitFor(predicate: (open: readonly WatchInfo[]) => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!predicate(this.list())) return false
        clearTimeout(timer)
        resolve()
        return true
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(
          new Error(
            `open watches did not reach the expected state within ${timeoutMs} ms (open: ${this.open.size})`,
          ),
        )
      }, timeoutMs)
      const waiter = (): void => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter)
      }
      if (!check()) this.waiters.push(waiter)
    })
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}
