import type { KubeRequester } from './kube-request.ts'

/** `gitVersion` of the API server's `/version` (e.g. `v1.31.2`). */
export async function readServerVersion(request: KubeRequester): Promise<string> {
  const info = (await request({ path: '/version', timeoutMs: 10_000 })) as { gitVersion?: unknown }
  if (typeof info?.gitVersion !== 'string' || info.gitVersion === '') {
    throw new Error('the API server /version answer has no gitVersion')
  }
  return info.gitVersion
}

export interface ServerVersionTrackerOptions {
  readonly read: () => Promise<string>
  /** Read again this often (the server may be upgraded under a running relay). */
  readonly refreshMs: number
  /** The version became known or changed. */
  readonly onChange: (version: string) => void
  readonly onError?: (message: string) => void
}

/** The API server's version as last read, re-read periodically and on demand. */
export interface ServerVersionTracker {
  /** Undefined until a read succeeded. */
  current(): string | undefined
  /** Reads now (start-up, a reconnect); a read already in flight stands in for it. */
  refresh(): void
  stop(): void
}

/** Creates the tracker; it reads nothing until `refresh`. */
export function trackServerVersion(options: ServerVersionTrackerOptions): ServerVersionTracker {
  let version: string | undefined
  let reading = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  const refresh = (): void => {
    if (stopped || reading) return
    reading = true
    if (timer !== undefined) clearTimeout(timer)
    options
      .read()
      .then(
        (read) => {
          if (stopped || read === version) return
          version = read
          options.onChange(read)
        },
        (error: unknown) =>
          options.onError?.(error instanceof Error ? error.message : String(error)),
      )
      .finally(() => {
        reading = false
        if (!stopped) timer = setTimeout(refresh, options.refreshMs).unref()
      })
  }

  return {
    current: () => version,
    refresh,
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
