/** The Worker running locally in workerd, however it was started. */
export interface LocalWorker {
  readonly url: string
  /** Lines the Worker logged so far, as its host saw them. */
  logLines(): number
  stop(): Promise<void>
}

/** What every local start takes: the Worker secret and extra Worker vars. */
export interface LocalWorkerOptions {
  readonly secret: string
  /** Extra Worker vars, e.g. `{ INJECTOR_CACHE_TTL_SECONDS: '1' }`. */
  readonly vars?: Readonly<Record<string, string>>
}
