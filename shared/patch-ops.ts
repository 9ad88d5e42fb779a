import type { Injection } from './injection.ts'
import { isJsonObject, type JsonObject, type JsonValue, jsonEqual, ownMember } from './json.ts'
import type { PatchOp } from './types.ts'

/** Adds map keys the pod lacks (never overriding); creates the map when absent. Returns whether it did. */
export function addKeys(
  ops: PatchOp[],
  path: string,
  existing: JsonObject | undefined,
  wanted: ReadonlyMap<string, string>,
): boolean {
  const missing = [...wanted].filter(
    ([key]) => existing === undefined || !Object.hasOwn(existing, key),
  )
  if (missing.length === 0) return false
  if (existing === undefined) {
    const value: JsonObject = {}
    for (const [key, item] of missing) define(value, key, item)
    ops.push({ op: 'add', path, value })
    return true
  }
  for (const [key, item] of missing) {
    ops.push({ op: 'add', path: `${path}/${escapePointerToken(key)}`, value: item })
  }
  return false
}

/**
 * Appends entries the list lacks; creates the list when absent (no `/-` into nothing). An entry
 * is left out when an existing one shares any of `keys` (`name`; for mounts also `mountPath`,
 * which Kubernetes requires to be unique in a container): what the pod has wins.
 */
export function addNamed(
  ops: PatchOp[],
  path: string,
  existing: JsonValue | undefined,
  wanted: readonly JsonObject[],
  keys: readonly string[] = ['name'],
): void {
  appendAll(ops, path, existing, missingFrom(existing, wanted, keys))
}

/** Appends host aliases not already there (deep-equal), so injecting twice adds nothing. */
export function addAliases(
  ops: PatchOp[],
  existing: JsonValue | undefined,
  wanted: readonly JsonObject[],
): void {
  const known = Array.isArray(existing) ? existing : []
  const fresh = wanted.filter((alias) => !known.some((k) => jsonEqual(k, alias)))
  appendAll(ops, '/spec/hostAliases', existing, fresh)
}

/** Appends items to a list, or creates the list with them when it is absent. */
export function appendAll(
  ops: PatchOp[],
  path: string,
  existing: JsonValue | undefined,
  items: readonly JsonValue[],
): void {
  if (items.length === 0) return
  if (!Array.isArray(existing)) {
    ops.push({ op: 'add', path, value: [...items] })
    return
  }
  for (const item of items) ops.push({ op: 'add', path: `${path}/-`, value: item })
}

/** An injected container with the configs' env and mounts it does not define itself. */
export function withShared(container: JsonObject, injection: Injection): JsonObject {
  const env = merged(container.env, injection.env, ['name'])
  const mounts = merged(container.volumeMounts, injection.volumeMounts, MOUNT_KEYS)
  if (env === undefined && mounts === undefined) return container
  const result: JsonObject = { ...container }
  if (env !== undefined) define(result, 'env', env)
  if (mounts !== undefined) define(result, 'volumeMounts', mounts)
  return result
}

/** What makes two volumeMounts of one container the same: the volume, or the path. */
export const MOUNT_KEYS: readonly string[] = ['name', 'mountPath']

function merged(
  own: JsonValue | undefined,
  shared: readonly JsonObject[],
  keys: readonly string[],
): JsonValue[] | undefined {
  const extra = missingFrom(own, shared, keys)
  if (extra.length === 0) return undefined
  return [...(Array.isArray(own) ? own : []), ...extra]
}

/** The `wanted` entries that share none of `keys` with an entry of `list`. */
function missingFrom(
  list: JsonValue | undefined,
  wanted: readonly JsonObject[],
  keys: readonly string[],
): JsonObject[] {
  const taken = keys.map((key) => valuesOf(list, key))
  return wanted.filter((entry) => keys.every((key, i) => !taken[i]?.has(ownMember(entry, key))))
}

function valuesOf(list: JsonValue | undefined, key: string): Set<JsonValue | undefined> {
  const values = new Set<JsonValue | undefined>()
  if (Array.isArray(list)) {
    for (const entry of list) if (isJsonObject(entry)) values.add(ownMember(entry, key))
  }
  return values
}

/** An own member that is an object, else `undefined`. */
export function objectAt(object: JsonObject, key: string): JsonObject | undefined {
  const value = ownMember(object, key)
  return isJsonObject(value) ? value : undefined
}

/** Defines a member without ever invoking the `__proto__` setter. */
function define(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

/** Escapes one JSON Pointer token (RFC 6901): `~` as `~0` first, then `/` as `~1`. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}
