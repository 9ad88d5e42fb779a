import type { IssueSink } from './config-check.ts'
import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'

/**
 * Reads unquoted numbers and booleans in a config's string fields (env values, args, command,
 * annotation and label values) as strings, as tumblr's loader did (sigs.k8s.io/yaml converts a
 * scalar for a string field), and notes each one: `value: 8080` or `value: yes` was accepted
 * there, and the text may differ from what was written (`yes` is `"true"`, `1.10` is `"1.1"`).
 * Returns a copy; `config` is left as it was.
 */
export function coerceStringFields(config: JsonObject, note: IssueSink): JsonObject {
  const scalar = (value: JsonValue, path: string): JsonValue => {
    if (typeof value !== 'number' && typeof value !== 'boolean') return value
    const text = String(value)
    note(
      path,
      `${typeof value} read as the string "${text}", as tumblr did; quote the value to keep it as written`,
    )
    return text
  }
  const strings = (list: JsonValue, path: string): JsonValue =>
    Array.isArray(list) ? list.map((item, i) => scalar(item, `${path}[${i}]`)) : list
  const env = (list: JsonValue, path: string): JsonValue =>
    mapObjects(list, path, (entry, at) => withMember(entry, 'value', at, scalar))
  const container = (entry: JsonObject, at: string): JsonObject => {
    let result = withMember(entry, 'env', at, env)
    result = withMember(result, 'args', at, strings)
    return withMember(result, 'command', at, strings)
  }
  const values = (map: JsonValue, path: string): JsonValue => {
    if (!isJsonObject(map)) return map
    // fromEntries defines members, so a `__proto__` key stays data (and is refused later).
    return Object.fromEntries(
      Object.entries(map).map(([key, value]) => [key, scalar(value, `${path}.${key}`)]),
    )
  }
  let result = withMember(config, 'env', '', env)
  for (const field of ['containers', 'initContainers']) {
    result = withMember(result, field, '', (list, path) => mapObjects(list, path, container))
  }
  result = withMember(result, 'annotations', '', values)
  return withMember(result, 'labels', '', values)
}

/** A copy of `object` with its own member `key` passed through `change`, when it has one. */
function withMember(
  object: JsonObject,
  key: string,
  at: string,
  change: (value: JsonValue, path: string) => JsonValue,
): JsonObject {
  const value = ownMember(object, key)
  if (value === undefined) return object
  const changed = change(value, at === '' ? key : `${at}.${key}`)
  if (changed === value) return object
  return { ...object, [key]: changed }
}

function mapObjects(
  list: JsonValue,
  path: string,
  each: (entry: JsonObject, at: string) => JsonObject,
): JsonValue {
  if (!Array.isArray(list)) return list
  return list.map((entry, i) => (isJsonObject(entry) ? each(entry, `${path}[${i}]`) : entry))
}
