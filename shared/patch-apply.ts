import type { JsonObject, JsonValue } from './json.ts'
import type { PatchOp } from './types.ts'

/** Applies the add/remove/replace operations the engine emits to a copy of `document` (RFC 6902). */
export function applyPatch(document: JsonObject, patch: readonly PatchOp[]): JsonObject {
  // JSON values only, so a JSON round trip is an exact deep copy.
  const root = JSON.parse(JSON.stringify(document)) as JsonObject
  for (const op of patch) {
    const tokens = op.path
      .split('/')
      .slice(1)
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    const last = tokens.pop()
    if (last === undefined) throw new Error(`patch path "${op.path}" has no target`)
    let parent: JsonValue = root
    for (const token of tokens) {
      const next: JsonValue | undefined = Array.isArray(parent)
        ? parent[Number(token)]
        : typeof parent === 'object' && parent !== null
          ? parent[token]
          : undefined
      if (next === undefined) throw new Error(`patch path "${op.path}" does not exist`)
      parent = next
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last)
      if (op.op === 'add') parent.splice(index, 0, op.value)
      else if (op.op === 'remove') parent.splice(index, 1)
      else parent[index] = op.value
    } else if (typeof parent === 'object' && parent !== null) {
      if (op.op === 'remove') delete parent[last]
      else parent[last] = op.value
    } else {
      throw new Error(`patch path "${op.path}" does not point into an object or list`)
    }
  }
  return root
}
