import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import { badRequest } from './status.ts'

/** A parsed field selector over a stored object. */
export type FieldSelector = (object: JsonObject) => boolean

/** Parses `fieldSelector` (`a=b`, `a==b`, `a!=b`, comma-joined); only `supported` field paths are allowed. */
export function parseFieldSelector(text: string, supported: readonly string[]): FieldSelector {
  const terms: { field: string; negate: boolean; value: string }[] = []
  for (const term of splitTerms(text)) {
    if (term.trim() === '') continue
    const match = /^([^!=]+)(!=|==|=)(.*)$/.exec(term)
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`)
    const field = (match[1] ?? '').trim()
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`)
    terms.push({ field, negate: match[2] === '!=', value: unescapeValue(match[3] ?? '') })
  }
  return (object) => terms.every((t) => (fieldValue(object, t.field) === t.value) !== t.negate)
}

function fieldValue(object: JsonObject, path: string): string {
  let current: JsonValue | undefined = object
  for (const part of path.split('.')) {
    current =
      current !== null && typeof current === 'object' && !Array.isArray(current)
        ? current[part]
        : undefined
  }
  return typeof current === 'string' || typeof current === 'number' ? String(current) : ''
}

// fields.ParseSelector escapes `\`, `,` and `=` with a backslash.
function splitTerms(text: string): string[] {
  const terms: string[] = []
  let current = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? ''
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] ?? '')
      i++
    } else if (ch === ',') {
      terms.push(current)
      current = ''
    } else current += ch
  }
  terms.push(current)
  return terms
}

function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, '$1')
}
