import type { JsonObject } from '../../../shared/json.ts'
import { tooOldResourceVersion } from './status.ts'

/** A change as the storage layer records it (one etcd revision). */
export interface StoredChange {
  readonly resourceVersion: number
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'
  readonly resource: string
  /** The object after the change; for DELETED its last state stamped with the deletion's resourceVersion. */
  readonly object: JsonObject
  /** The object before the change (MODIFIED, DELETED). */
  readonly previous?: JsonObject
}

/** Called synchronously for every change, in resourceVersion order. */
export type ChangeListener = (change: StoredChange) => void

/**
 * Objects of all resources under one global resourceVersion counter (like etcd's revision),
 * with the change history that watches replay. History before the compacted revision is gone.
 */
export class ObjectStore {
  private readonly objects = new Map<string, JsonObject>()
  private history: StoredChange[] = []
  private readonly listeners = new Set<ChangeListener>()
  private revision: number
  private compacted: number
  private readonly historyLimit: number

  constructor(options: { initialResourceVersion?: number; historyLimit?: number } = {}) {
    this.revision = options.initialResourceVersion ?? 1000
    this.compacted = this.revision
    this.historyLimit = options.historyLimit ?? Number.POSITIVE_INFINITY
  }

  /** The newest resourceVersion handed out. */
  resourceVersion(): number {
    return this.revision
  }

  /** Oldest resourceVersion a watch or exact list may still start from. */
  compactedResourceVersion(): number {
    return this.compacted
  }

  /** One object, or undefined. Returned objects are copies. */
  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    const found = this.objects.get(keyOf(resource, namespace, name))
    return found === undefined ? undefined : structuredClone(found)
  }

  /** Current objects of a resource (one namespace or all), sorted by namespace/name like etcd keys. */
  list(resource: string, namespace?: string): JsonObject[] {
    const prefix = namespace === undefined ? `${resource}/` : `${resource}/${namespace}/`
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => structuredClone(object))
  }

  /**
   * One page of a collection as it was at `resourceVersion` (410 if compacted): the first
   * `limit` objects (0: all) from the key `start` on that pass `filter`, in key order. Only the
   * page is copied, so paging through many objects costs the page, not the collection.
   */
  page(
    resource: string,
    namespace: string | undefined,
    options: {
      readonly resourceVersion: number
      readonly start: string
      readonly limit: number
      readonly filter: (object: JsonObject) => boolean
    },
  ): { items: JsonObject[]; lastKey: string | undefined; more: boolean; remaining: number } {
    const state = this.stateAt(resource, namespace, options.resourceVersion)
    const keys = [...state.keys()].filter((key) => key >= options.start).sort()
    const items: JsonObject[] = []
    let lastKey: string | undefined
    let more = false
    for (const key of keys) {
      const object = state.get(key)
      if (object === undefined || !options.filter(object)) continue
      if (options.limit > 0 && items.length === options.limit) {
        more = true
        break
      }
      items.push(structuredClone(object))
      lastKey = key
    }
    // Objects after this page, selectors aside (the etcd3 store counts keys, not matches).
    return { items, lastKey, more, remaining: keys.length - items.length }
  }

  // The objects at `resourceVersion`, uncopied: current ones, with newer changes undone.
  private stateAt(
    resource: string,
    namespace: string | undefined,
    resourceVersion: number,
  ): Map<string, JsonObject> {
    if (resourceVersion < this.compacted) {
      throw tooOldResourceVersion(resourceVersion, this.compacted)
    }
    const prefix = namespace === undefined ? `${resource}/` : `${resource}/${namespace}/`
    const state = new Map<string, JsonObject>()
    for (const [key, object] of this.objects) if (key.startsWith(prefix)) state.set(key, object)
    for (let i = this.history.length - 1; i >= 0; i--) {
      const change = this.history[i]
      if (change === undefined || change.resourceVersion <= resourceVersion) break
      if (change.resource !== resource) continue
      const key = objectKey(resource, change.object)
      if (!key.startsWith(prefix)) continue
      if (change.type === 'ADDED' || change.previous === undefined) state.delete(key)
      else state.set(key, change.previous)
    }
    return state
  }

  /** Changes after `resourceVersion`; throws 410 Expired when that point was compacted away. */
  changesSince(resourceVersion: number): StoredChange[] {
    if (resourceVersion < this.compacted) {
      throw tooOldResourceVersion(resourceVersion, this.compacted)
    }
    return this.history.filter((c) => c.resourceVersion > resourceVersion)
  }

  /** Stores a new object, stamping metadata.resourceVersion; the caller checked it is absent. */
  add(resource: string, object: JsonObject): JsonObject {
    return this.record(resource, 'ADDED', object, undefined)
  }

  /** Replaces an existing object with a new resourceVersion. */
  replace(resource: string, object: JsonObject, previous: JsonObject): JsonObject {
    return this.record(resource, 'MODIFIED', object, previous)
  }

  /** Removes an object; the DELETED change carries its last state at the new resourceVersion. */
  remove(resource: string, previous: JsonObject): JsonObject {
    return this.record(resource, 'DELETED', previous, previous)
  }

  /** Forgets history up to `resourceVersion` (default: now), so older starting points get 410. */
  compact(resourceVersion: number = this.revision): number {
    this.compacted = Math.min(Math.max(this.compacted, resourceVersion), this.revision)
    this.history = this.history.filter((c) => c.resourceVersion > this.compacted)
    return this.compacted
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private record(
    resource: string,
    type: StoredChange['type'],
    object: JsonObject,
    previous: JsonObject | undefined,
  ): JsonObject {
    this.revision += 1
    const stored = structuredClone(object)
    const metadata = asObject(stored.metadata)
    metadata.resourceVersion = String(this.revision)
    stored.metadata = metadata
    const key = objectKey(resource, stored)
    if (type === 'DELETED') this.objects.delete(key)
    else this.objects.set(key, stored)
    const change: StoredChange = {
      resourceVersion: this.revision,
      type,
      resource,
      object: stored,
      ...(previous === undefined ? {} : { previous: structuredClone(previous) }),
    }
    this.history.push(change)
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()
      if (dropped !== undefined) this.compacted = dropped.resourceVersion
    }
    for (const listener of [...this.listeners]) listener(change)
    return structuredClone(stored)
  }
}

/** The metadata object of a stored object (empty when missing). */
export function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : {}
}

/** `resource/namespace/name`, the etcd-like key (namespace empty for cluster-scoped). */
export function objectKey(resource: string, object: JsonObject): string {
  const metadata = asObject(object.metadata)
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : ''
  const name = typeof metadata.name === 'string' ? metadata.name : ''
  return keyOf(resource, namespace, name)
}

function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`
}
