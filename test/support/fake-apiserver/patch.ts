import jsonPatch, { type Operation } from 'fast-json-patch'
import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import { badRequest, unsupportedMediaType } from './status.ts'

/** Applies a PATCH body to `current` by its Content-Type, as the apiserver's patch handler does. */
export function applyPatchBody(
  current: JsonObject,
  contentType: string,
  body: JsonValue,
): JsonObject {
  const type = contentType.split(';')[0]?.trim() ?? ''
  switch (type) {
    case 'application/merge-patch+json':
      return asPatchedObject(mergePatch(current, body))
    // A ConfigMap has no list fields with merge keys, so a strategic merge is a JSON merge
    // once its `$patch`-style directives are removed.
    case 'application/strategic-merge-patch+json':
      return asPatchedObject(mergePatch(current, stripDirectives(body)))
    case 'application/json-patch+json':
      return applyJsonPatch(current, body)
    default:
      throw unsupportedMediaType(contentType)
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const result: JsonObject =
    target !== null && typeof target === 'object' && !Array.isArray(target) && target !== undefined
      ? { ...target }
      : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

function stripDirectives(patch: JsonValue): JsonValue {
  if (patch === null || typeof patch !== 'object') return patch
  if (Array.isArray(patch)) return patch.map(stripDirectives)
  const result: JsonObject = {}
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$')) result[key] = stripDirectives(value)
  }
  return result
}

function applyJsonPatch(current: JsonObject, body: JsonValue): JsonObject {
  if (!Array.isArray(body)) throw badRequest('json patch must be an array of operations')
  try {
    const operations = body as unknown as Operation[]
    const result: unknown = jsonPatch.applyPatch(
      structuredClone(current),
      operations,
      true,
      false,
    ).newDocument
    return asPatchedObject(result as JsonValue)
  } catch (error) {
    throw badRequest(
      `the server rejected our request due to an error in our request: ${String(error)}`,
    )
  }
}

function asPatchedObject(value: JsonValue): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('the patch must produce an object')
  }
  return value
}
