import type { JsonObject } from '../../../shared/json.ts'

/** One line of a watch stream: the raw text and, when it is JSON, the event. */
export interface WatchLine {
  readonly raw: string
  readonly type: string | undefined
  readonly object: JsonObject | undefined
}

/** A watch response read line by line (test helper). */
export interface WatchStream {
  readonly status: number
  readonly headers: Headers
  /** The next line; undefined once the stream ended; rejects after `timeoutMs` of silence. */
  next(timeoutMs?: number): Promise<WatchLine | undefined>
  /** Reads lines until `count` events are in hand or the stream ends. */
  take(count: number, timeoutMs?: number): Promise<WatchLine[]>
  /** How the stream finished: `end` (clean), `error` (aborted/destroyed). */
  finished(): Promise<'end' | 'error'>
  close(): void
}

/** Opens `url` (a `?watch=true` request) and exposes its lines. */
export async function openWatch(url: string): Promise<WatchStream> {
  const controller = new AbortController()
  const response = await fetch(url, { signal: controller.signal })
  const lines: WatchLine[] = []
  const waiters: (() => void)[] = []
  let done = false
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter()
  }
  const finished = (async (): Promise<'end' | 'error'> => {
    let buffer = ''
    const decoder = new TextDecoder()
    try {
      if (response.body === null) return 'end'
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true })
        let newline = buffer.indexOf('\n')
        while (newline >= 0) {
          lines.push(parseLine(buffer.slice(0, newline)))
          buffer = buffer.slice(newline + 1)
          newline = buffer.indexOf('\n')
        }
        wake()
      }
      return 'end'
    } catch {
      return 'error'
    } finally {
      done = true
      wake()
    }
  })()
  const next = async (timeoutMs = 5000): Promise<WatchLine | undefined> => {
    const deadline = Date.now() + timeoutMs
    while (lines.length === 0 && !done) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no watch line within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return lines.shift()
  }
  return {
    status: response.status,
    headers: response.headers,
    next,
    take: async (count, timeoutMs = 5000) => {
      const taken: WatchLine[] = []
      while (taken.length < count) {
        const line = await next(timeoutMs)
        if (line === undefined) break
        taken.push(line)
      }
      return taken
    },
    finished: () => finished,
    close: () => controller.abort(),
  }
}

function parseLine(raw: string): WatchLine {
  try {
    const value: unknown = JSON.parse(raw)
    if (value !== null && typeof value === 'object' && 'type' in value && 'object' in value) {
      const type = typeof value.type === 'string' ? value.type : undefined
      const object = value.object as JsonObject
      return { raw, type, object }
    }
  } catch {
    // a garbled line stays raw
  }
  return { raw, type: undefined, object: undefined }
}
