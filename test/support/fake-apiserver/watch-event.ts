import type { JsonObject } from '../../../shared/json.ts'
import type { ObjectFilter } from './object-filter.ts'
import { apiVersionOf, type ResourceDefinition } from './resource.ts'
import { asObject, type StoredChange } from './store.ts'

/** One watch event as written on the stream. */
export type WatchEvent = { type: string; object: JsonObject }

/** Turns a stored change into what this watcher sees (cacheWatcher.convertToWatchEvent). */
export function convertChange(
  resource: ResourceDefinition,
  namespace: string | undefined,
  filter: ObjectFilter,
  change: StoredChange,
): WatchEvent | undefined {
  if (change.resource !== resource.id) return undefined
  if (namespace !== undefined && asObject(change.object.metadata).namespace !== namespace) {
    return undefined
  }
  const current = change.type !== 'DELETED' && filter(change.object)
  const previous = change.previous !== undefined && filter(change.previous)
  if (current && !previous) return { type: 'ADDED', object: withKind(resource, change.object) }
  if (current && previous) return { type: 'MODIFIED', object: withKind(resource, change.object) }
  if (!previous || change.previous === undefined) return undefined
  // Deleted, or stopped matching: the previous object stamped with this change's version.
  const object = withKind(resource, change.previous)
  object.metadata = {
    ...asObject(object.metadata),
    resourceVersion: String(change.resourceVersion),
  }
  return { type: 'DELETED', object }
}

/** The object as watch events carry it: with kind and apiVersion first. */
export function withKind(resource: ResourceDefinition, object: JsonObject): JsonObject {
  return { kind: resource.kind, apiVersion: apiVersionOf(resource), ...object }
}
