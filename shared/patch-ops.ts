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

interface SharedResult {
  readonly env: readonly JsonObject[]
  readonly mounts: readonly JsonObject[]
  readonly result: JsonObject
}

// A config container completed with the same shared entries is the same object again, so each
// admission's patch carries one object per config container, whose JSON is written once.
const completed = new WeakMap<JsonObject, SharedResult>()

/** An injected container with the configs' env and mounts it does not define itself. */
export function withShared(container: JsonObject, injection: Injection): JsonObject {
  const known = completed.get(container)
  if (
    known !== undefined &&
    sameItems(known.env, injection.env) &&
    sameItems(known.mounts, injection.volumeMounts)
  ) {
    return known.result
  }
  const env = merged(container.env, injection.env, ['name'])
  const mounts = merged(container.volumeMounts, injection.volumeMounts, MOUNT_KEYS)
  let result = container
  if (env !== undefined || mounts !== undefined) {
    result = { ...container }
    if (env !== undefined) define(result, 'env', env)
    if (mounts !== undefined) define(result, 'volumeMounts', mounts)
  }
  completed.set(container, { env: injection.env, mounts: injection.volumeMounts, result })
  return result
}

function sameItems(a: readonly JsonObject[], b: readonly JsonObject[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
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

/**
 * The `wanted` entries that share none of `keys` with an entry of `list`. Both lists are a few
 * entries long, so scanning them beats building a set per key on every admission.
 */
function missingFrom(
  list: JsonValue | undefined,
  wanted: readonly JsonObject[],
  keys: readonly string[],
): JsonObject[] {
  if (!Array.isArray(list) || list.length === 0) return [...wanted]
  return wanted.filter((entry) =>
    keys.every((key) => {
      const value = ownMember(entry, key)
      return !list.some((item) => isJsonObject(item) && ownMember(item, key) === value)
    }),
  )
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
  if (token === lastToken) return lastEscaped
  lastToken = token
  lastEscaped = token.replaceAll('~', '~0').replaceAll('/', '~1')
  return lastEscaped
}

// Every admission escapes the same status annotation key; keep the last answer.
let lastToken = ''
let lastEscaped = ''
