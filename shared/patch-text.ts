import { isAscii } from './base64.ts'
import type { JsonValue } from './json.ts'
import type { PatchOp } from './types.ts'

/** A patch as JSON text, and whether that text is all ASCII (so base64 needs no UTF-8 step). */
export interface PatchText {
  readonly text: string
  readonly ascii: boolean
}

interface ValueText {
  readonly text: string
  readonly ascii: boolean
}

// Configs are immutable once parsed, and a patch carries the same config objects (containers,
// volumes, env entries) on every admission that asks for them: their JSON is written once.
const texts = new WeakMap<object, ValueText>()

// A path needs JSON escaping, or is not ASCII, only if it holds one of these.
const SPECIAL = /[^ !#-[\]-~]/

/**
 * `JSON.stringify(patch)`, exactly, with the text of each object value kept for the next
 * admission, and whether it is all ASCII, found on the way instead of by scanning the result.
 */
export function formatPatch(patch: readonly PatchOp[]): PatchText {
  let text = '['
  let ascii = true
  for (let i = 0; i < patch.length; i++) {
    const op = patch[i]
    if (op === undefined) continue
    const plainPath = !SPECIAL.test(op.path)
    const path = plainPath ? `"${op.path}"` : JSON.stringify(op.path)
    ascii &&= plainPath || isAscii(path)
    text += `${i === 0 ? '' : ','}{"op":"${op.op}","path":${path}`
    if (op.op !== 'remove') {
      const value = formatValue(op.value)
      ascii &&= value.ascii
      text += `,"value":${value.text}`
    }
    text += '}'
  }
  return { text: `${text}]`, ascii }
}

function formatValue(value: JsonValue): ValueText {
  if (typeof value !== 'object' || value === null) return measured(JSON.stringify(value))
  if (Array.isArray(value)) {
    // A list made for this patch holds config objects: join their kept texts.
    const items = value.map(formatValue)
    return {
      text: `[${items.map((item) => item.text).join(',')}]`,
      ascii: items.every((item) => item.ascii),
    }
  }
  let known = texts.get(value)
  if (known === undefined) {
    known = measured(JSON.stringify(value))
    texts.set(value, known)
  }
  return known
}

function measured(text: string): ValueText {
  return { text, ascii: isAscii(text) }
}
