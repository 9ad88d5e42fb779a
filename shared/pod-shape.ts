import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import type { PatchOp } from './types.ts'

/** The pod's lists of containers, each of which the API server checks for names and mounts. */
export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const

/** One container as far as cross-references go: its name and its volumeMounts. */
export interface ContainerShape {
  name: JsonValue | undefined
  mounts: JsonValue[]
}

/**
 * What of a pod the API server checks across lists: container names and mounts per list, and
 * volume names, in order. A list the pod does not have is `undefined`.
 */
export interface PodShape {
  lists: Record<(typeof CONTAINER_LISTS)[number], ContainerShape[] | undefined>
  volumes: (JsonValue | undefined)[] | undefined
}

/** Reads a pod's shape into lists of its own: changing the shape leaves the pod untouched. */
export function readPodShape(pod: JsonObject): PodShape {
  const spec = ownMember(pod, 'spec')
  return readSpecShape(isJsonObject(spec) ? spec : {})
}

function readSpecShape(spec: JsonObject): PodShape {
  const list = (field: string) => {
    const value = ownMember(spec, field)
    return Array.isArray(value) ? value.map(readContainer) : undefined
  }
  const volumes = ownMember(spec, 'volumes')
  return {
    lists: {
      containers: list('containers'),
      initContainers: list('initContainers'),
      ephemeralContainers: list('ephemeralContainers'),
    },
    volumes: Array.isArray(volumes) ? volumes.map(nameOf) : undefined,
  }
}

function readContainer(value: JsonValue): ContainerShape {
  const mounts = isJsonObject(value) ? ownMember(value, 'volumeMounts') : undefined
  return { name: nameOf(value), mounts: Array.isArray(mounts) ? mounts.slice() : [] }
}

function nameOf(value: JsonValue): JsonValue | undefined {
  return isJsonObject(value) ? ownMember(value, 'name') : undefined
}

/**
 * Applies `patch` to a pod's shape, following each operation's JSON Pointer as the API server
 * would for the lists the shape holds: a list or entry that is not there, or an index out of
 * range, makes the patch not apply, and the answer says why. Operations elsewhere in the spec
 * or in the metadata do not change the shape; any other path does not belong in a patch of ours.
 */
export function patchPodShape(shape: PodShape, patch: readonly PatchOp[]): string | undefined {
  for (const op of patch) {
    const problem = applyToShape(shape, op)
    if (problem !== undefined) return `patch operation ${op.op} ${op.path} ${problem}`
  }
  return undefined
}

// Paths are read in place, by position, without cutting them into tokens: this runs on every
// admission, and most operations only append to a list.
const SLASH = 47
const DASH = 45
const ZERO = 48
const NINE = 57
const LOWER_C = 99
const LOWER_I = 105
const LOWER_V = 118

function applyToShape(shape: PodShape, op: PatchOp): string | undefined {
  const path = op.path
  if (segmentAt(path, 1, 'metadata')) return undefined
  if (!segmentAt(path, 1, 'spec')) return 'is outside the spec and metadata'
  if (path.length === 5) {
    if (op.op === 'remove' || !isJsonObject(op.value)) return 'would leave the pod without a spec'
    Object.assign(shape, readSpecShape(op.value))
    return undefined
  }
  if (path.charCodeAt(6) === LOWER_V && segmentAt(path, 6, 'volumes')) {
    const result = changeList(shape.volumes, path, 13, op, nameOf)
    if (typeof result === 'string') return result
    shape.volumes = result.list
    if (
      result.list !== undefined &&
      result.index !== undefined &&
      isLast(path, result.tailAt, 'name')
    ) {
      result.list[result.index] = op.op === 'remove' ? undefined : op.value
    }
    return undefined
  }
  const listName = listAt(path)
  if (listName === undefined) return undefined
  const result = changeList(shape.lists[listName], path, 6 + listName.length, op, readContainer)
  if (typeof result === 'string') return result
  shape.lists[listName] = result.list
  const container = result.index === undefined ? undefined : result.list?.[result.index]
  const at = result.tailAt
  if (container === undefined || at < 0) return undefined
  if (isLast(path, at, 'name')) {
    container.name = op.op === 'remove' ? undefined : op.value
    return undefined
  }
  if (!segmentAt(path, at, 'volumeMounts')) return undefined
  if (path.length === at + 12) {
    container.mounts = op.op !== 'remove' && Array.isArray(op.value) ? op.value.slice() : []
    return undefined
  }
  const mounts = changeList(container.mounts, path, at + 12, op, (value) => value)
  if (typeof mounts === 'string') return mounts
  container.mounts = mounts.list ?? []
  const index = mounts.index
  const member = ['name', 'mountPath'].find((name) => isLast(path, mounts.tailAt, name))
  if (index !== undefined && member !== undefined) {
    const mount = container.mounts[index] ?? null
    const changed: JsonObject = isJsonObject(mount) ? { ...mount } : {}
    if (op.op === 'remove') delete changed[member]
    else changed[member] = op.value
    container.mounts[index] = changed
  }
  return undefined
}

/** The list of containers `/spec/...` names; most paths are told apart by their first letter. */
function listAt(path: string): (typeof CONTAINER_LISTS)[number] | undefined {
  const first = path.charCodeAt(6)
  const name =
    first === LOWER_C ? 'containers' : first === LOWER_I ? 'initContainers' : 'ephemeralContainers'
  return segmentAt(path, 6, name) ? name : undefined
}

/** Whether `path` has the segment `name` at `at`, ending the path or followed by a slash. */
function segmentAt(path: string, at: number, name: string): boolean {
  const end = at + name.length
  return (end === path.length || path.charCodeAt(end) === SLASH) && holdsAt(path, at, name)
}

/** `path.startsWith(name, at)`, which V8 runs several times slower than this loop. */
function holdsAt(path: string, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    if (path.charCodeAt(at + i) !== name.charCodeAt(i)) return false
  }
  return true
}

/** Whether `name` is the last segment of `path`, starting at `at`. */
function isLast(path: string, at: number, name: string): boolean {
  return at >= 0 && path.length === at + name.length && holdsAt(path, at, name)
}

/**
 * An operation on a list the shape owns, whose name ends at `from` in `path`, changed in place:
 * the list after it, or why it does not apply. A pointer into an entry (`3/volumeMounts/-`)
 * leaves the list as it is and gives the entry's `index` and where the rest starts (`tailAt`,
 * -1 when there is none).
 */
function changeList<T>(
  list: T[] | undefined,
  path: string,
  from: number,
  op: PatchOp,
  read: (value: JsonValue) => T,
): { list: T[] | undefined; index?: number; tailAt: number } | string {
  if (from === path.length) {
    if (op.op === 'remove') return { list: undefined, tailAt: -1 }
    if (!Array.isArray(op.value)) return 'sets a list to something else'
    return { list: op.value.map(read), tailAt: -1 }
  }
  if (list === undefined) return 'points into a list the pod does not have'
  const start = from + 1
  const slash = path.indexOf('/', start)
  const end = slash < 0 ? path.length : slash
  if (slash < 0 && op.op === 'add' && end === start + 1 && path.charCodeAt(start) === DASH) {
    list.push(read(op.value))
    return { list, tailAt: -1 }
  }
  const index = readIndex(path, start, end)
  const inserting = op.op === 'add' && slash < 0
  if (index < 0 || index > (inserting ? list.length : list.length - 1)) {
    return 'points past the end of the list'
  }
  if (slash >= 0) return { list, index, tailAt: slash + 1 }
  if (op.op === 'add') list.splice(index, 0, read(op.value))
  else if (op.op === 'remove') list.splice(index, 1)
  else list[index] = read(op.value)
  return { list, tailAt: -1 }
}

/** The array index `path` holds from `start` to `end` (digits, no leading zero), or -1. */
function readIndex(path: string, start: number, end: number): number {
  if (end === start || (end - start > 1 && path.charCodeAt(start) === ZERO)) return -1
  let index = 0
  for (let i = start; i < end; i++) {
    const digit = path.charCodeAt(i)
    if (digit < ZERO || digit > NINE) return -1
    index = index * 10 + digit - ZERO
  }
  return index
}
