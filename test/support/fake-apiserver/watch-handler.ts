import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JsonObject } from '../../../shared/json.ts'
import { parseResourceVersion, type ServerContext } from './context.ts'
import type { FaultAction } from './faults.ts'
import { buildObjectFilter } from './object-filter.ts'
import { apiVersionOf, type ResourceDefinition } from './resource.ts'
import { expired, invalid, StatusError } from './status.ts'
import { asObject, type StoredChange } from './store.ts'
import { asPartialObjectMetadata, type Representation } from './representation.ts'
import { buildTable } from './table.ts'
import { convertChange, type WatchEvent, withKind } from './watch-event.ts'
import type { OpenWatch } from './watch-set.ts'

/** The watch request after routing. */
export interface WatchRequest {
  readonly resource: ResourceDefinition
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly query: URLSearchParams
  readonly fault: FaultAction | undefined
  /** Server-side printing (kubectl's default output) or metadata only, asked through Accept. */
  readonly representation: Representation | undefined
}

/**
 * Serves `?watch=true`: a chunked stream of newline-delimited JSON events, starting after the
 * requested resourceVersion (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes).
 */
export async function serveWatch(
  context: ServerContext,
  request: WatchRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { store, settings } = context
  const { resource, namespace, query } = request
  const filter = buildObjectFilter(resource, query, request.name)
  const rvText = query.get('resourceVersion') ?? ''
  const initialParam = query.get('sendInitialEvents')
  const bookmarks = query.get('allowWatchBookmarks') === 'true'
  checkWatchOptions(query, initialParam !== null, bookmarks)
  const requested = rvText === '' ? undefined : parseResourceVersion(rvText)
  // sendInitialEvents defaults to true for a resourceVersion of "" or "0" (API concepts docs).
  const sendInitial =
    initialParam === 'true' ||
    (initialParam === null && (requested === undefined || requested === 0))
  // An absent or zero timeoutSeconds means the server's own request timeout.
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0) || settings.watchTimeoutSeconds

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  })
  res.flushHeaders()

  let sent = 0
  let stalled = false
  let ended = false
  const timers: NodeJS.Timeout[] = []
  const clearTimers = (): void => {
    for (const timer of timers) {
      clearTimeout(timer)
      clearInterval(timer)
    }
  }
  let unsubscribe = (): void => {}
  const finish = (): void => {
    if (ended) return
    ended = true
    clearTimers()
    unsubscribe()
    context.watches.remove(watch)
  }
  const end = (): void => {
    if (ended || stalled) return
    finish()
    res.end()
  }
  const write = (event: WatchEvent): void => {
    if (ended || stalled) return
    res.write(`${JSON.stringify(present(event))}\n`)
    sent += 1
    applyFault()
  }
  // Object events become one-row Tables when asked; column definitions only on the first
  // (kubectl prints the header once either way).
  let headers = true
  const present = (event: WatchEvent): WatchEvent => {
    const shape = request.representation
    if (shape === undefined || event.type === 'ERROR' || event.type === 'BOOKMARK') {
      return event
    }
    if (shape.as !== 'Table') {
      return { type: event.type, object: asPartialObjectMetadata(event.object, shape.apiVersion) }
    }
    const rv = asObject(event.object.metadata).resourceVersion ?? ''
    const object = buildTable(
      resource,
      shape.table,
      [event.object],
      { resourceVersion: rv },
      headers,
    )
    headers = false
    return { type: event.type, object }
  }
  // Faults fire once `afterEvents` events have been written.
  const fault = request.fault
  let faultDone = fault === undefined || !['drop', 'stall', 'garble'].includes(fault.type)
  const applyFault = (): void => {
    if (faultDone || fault === undefined) return
    const after = 'afterEvents' in fault ? (fault.afterEvents ?? 0) : 0
    if (sent < after) return
    faultDone = true
    if (fault.type === 'drop') watch.drop()
    else if (fault.type === 'stall') watch.stall()
    else if (fault.type === 'garble')
      res.write(`${fault.line ?? '{"type":"MODIFIED","object":{garbled'}\n`)
  }
  const bookmark = (annotations?: JsonObject): void => {
    const metadata: JsonObject = {
      resourceVersion: String(store.resourceVersion()),
      creationTimestamp: null,
    }
    if (annotations !== undefined) metadata.annotations = annotations
    write({
      type: 'BOOKMARK',
      object: { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata },
    })
  }

  const watch: OpenWatch = {
    id: context.watches.allocateId(),
    resource: resource.name,
    namespace,
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
    resourceVersion: rvText === '' ? undefined : rvText,
    startedAt: new Date(),
    eventsSent: () => sent,
    drop: () => {
      finish()
      // Events already written reach the client first, as on a real connection reset mid-stream.
      const socket = req.socket
      if (socket.destroyed) return
      socket.write('', () => socket.destroy())
    },
    stall: () => {
      stalled = true
      clearTimers()
      unsubscribe()
    },
    expire: () => {
      const status = expired(
        `too old resource version: ${rvText || '0'} (${store.compactedResourceVersion()})`,
      )
      write({ type: 'ERROR', object: status.body })
      end()
    },
    close: () => end(),
  }
  context.watches.add(watch)
  res.on('close', finish)
  applyFault()
  if (ended || stalled) return

  let replay: StoredChange[] = []
  if (sendInitial) {
    // Synthetic ADDED events for the current state first.
    for (const object of store.list(resource.id, namespace).filter(filter)) {
      write({ type: 'ADDED', object: withKind(resource, object) })
    }
    if (initialParam === 'true') bookmark({ 'k8s.io/initial-events-end': 'true' })
  } else if (requested !== undefined && requested > 0) {
    try {
      replay = store.changesSince(requested)
    } catch (error) {
      // A compacted starting point is answered inside the 200 stream, as the watch cache does.
      if (!(error instanceof StatusError)) throw error
      write({ type: 'ERROR', object: error.body })
      end()
      return
    }
  }
  const deliver = (change: StoredChange): void => {
    // A watch from a version the store has not reached yet only sees changes after it.
    if (requested !== undefined && change.resourceVersion <= requested) return
    const event = convertChange(resource, namespace, filter, change)
    if (event !== undefined) write(event)
  }
  for (const change of replay) deliver(change)
  if (ended || stalled) return
  unsubscribe = store.subscribe(deliver)
  if (bookmarks && settings.bookmarkIntervalMs > 0) {
    const ticker = setInterval(() => bookmark(), settings.bookmarkIntervalMs)
    timers.push(ticker)
  }
  if (timeoutSeconds > 0) {
    timers.push(
      setTimeout(() => {
        // The watch cache sends a last bookmark just before the deadline.
        if (bookmarks) bookmark()
        end()
      }, timeoutSeconds * 1000),
    )
  }
}

function checkWatchOptions(
  query: URLSearchParams,
  sendInitialEventsSet: boolean,
  bookmarks: boolean,
): void {
  const match = query.get('resourceVersionMatch') ?? ''
  const issues: { field: string; message: string }[] = []
  if (sendInitialEventsSet) {
    if (match !== 'NotOlderThan') {
      issues.push({
        field: 'resourceVersionMatch',
        message:
          'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      })
    }
    if (!bookmarks) {
      issues.push({
        field: 'allowWatchBookmarks',
        message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true',
      })
    }
  } else if (match !== '') {
    issues.push({
      field: 'resourceVersionMatch',
      message:
        'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    })
  }
  const timeout = query.get('timeoutSeconds')
  if (timeout !== null && !/^\d+$/.test(timeout)) {
    issues.push({
      field: 'timeoutSeconds',
      message: `Invalid value: "${timeout}": must be a non-negative integer`,
    })
  }
  if (issues.length > 0) throw invalid('ListOptions', '', issues)
}
