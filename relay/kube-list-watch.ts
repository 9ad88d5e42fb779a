import { describeAnswer, KubeApiError, type KubeTransport, readText } from './kube-request.ts'
import type { ListWatch, WatchEnd, WatchEvent } from './reflector.ts'

/** One collection on the API server and how its objects become the relay's records. */
export interface CollectionSpec<T> {
  /** e.g. `/api/v1/namespaces/ns/configmaps` or `/api/v1/namespaces`. */
  readonly path: string
  /** Extra list and watch parameters (`labelSelector`); undefined values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>>
  /** Keeps what the relay needs of one object (of a list item or a watch event). */
  readonly decode: (object: unknown) => T
  /** A list that takes longer is abandoned as failed; also the watch's wait for headers. */
  readonly listTimeoutMs: number
}

/** List + watch of one collection over the relay's API server transport. */
export function createListWatch<T>(
  transport: KubeTransport,
  spec: CollectionSpec<T>,
): ListWatch<T> {
  return {
    list: async () => {
      const list = (await transport.request({
        path: spec.path,
        query: { ...spec.query },
        timeoutMs: spec.listTimeoutMs,
      })) as { items?: unknown; metadata?: { resourceVersion?: string } }
      return {
        items: (Array.isArray(list.items) ? list.items : []).map(spec.decode),
        resourceVersion: list.metadata?.resourceVersion ?? '',
      }
    },
    watch: async (resourceVersion, onEvent, onEnd) => {
      // A server-side timeout spread over 5-10 min, as client-go's reflector does.
      const timeoutSeconds = String(300 + Math.floor(Math.random() * 300))
      const controller = new AbortController()
      let ended = false
      const end = (result: WatchEnd): void => {
        if (ended) return
        ended = true
        controller.abort()
        onEnd(result)
      }
      const handle = {
        abort: () => {
          ended = true
          controller.abort()
        },
      }
      let res: Awaited<ReturnType<KubeTransport['open']>>
      try {
        res = await transport.open({
          path: spec.path,
          query: {
            ...spec.query,
            watch: 'true',
            resourceVersion,
            allowWatchBookmarks: 'true',
            timeoutSeconds,
          },
          headersTimeoutMs: spec.listTimeoutMs,
          signal: controller.signal,
        })
      } catch (error) {
        end({ error: { message: describeError(error), status: statusOf(error) } })
        return handle
      }
      const status = res.statusCode ?? 0
      if (status !== 200) {
        readText(res).then(
          (text) => end({ error: { message: describeAnswer(status, text), status } }),
          () => end({ error: { message: `HTTP ${status}`, status } }),
        )
        return handle
      }
      // One JSON event per line (API concepts, "Efficient detection of changes"); a line that
      // does not parse is skipped, as client-go's decoder would fail only that event.
      let partial = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) {
          if (ended) return
          const event = parseWatchLine(line, spec.decode)
          if (event !== undefined) onEvent(event)
        }
      })
      res.once('end', () => end({}))
      res.once('error', (error) => end({ error: { message: describeError(error) } }))
      res.once('close', () => end(res.complete ? {} : { error: { message: 'watch stream cut' } }))
      return handle
    },
  }
}

function parseWatchLine<T>(
  line: string,
  decode: (object: unknown) => T,
): WatchEvent<T> | undefined {
  if (line.trim() === '') return undefined
  try {
    const parsed = JSON.parse(line) as { type?: unknown; object?: unknown }
    return toWatchEvent(String(parsed.type), parsed.object, decode)
  } catch {
    return undefined
  }
}

function toWatchEvent<T>(
  type: string,
  object: unknown,
  decode: (object: unknown) => T,
): WatchEvent<T> | undefined {
  const value = (typeof object === 'object' && object !== null ? object : {}) as {
    metadata?: { resourceVersion?: string }
    code?: number
    message?: string
  }
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type, object: decode(value) }
    case 'BOOKMARK':
      return { type, resourceVersion: value.metadata?.resourceVersion ?? '' }
    case 'ERROR':
      return { type, code: value.code, message: value.message ?? 'unknown watch error' }
    default:
      return undefined
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.status : undefined
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
