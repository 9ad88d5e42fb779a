/** Bounds on untrusted config text, checked before and while parsing. */
export interface ParseLimits {
  /** Size of the UTF-8 text in bytes. */
  readonly maxBytes: number
  /** YAML aliases (`*name`) resolved; each expands a subtree, so this bounds the result size. */
  readonly maxAliasCount: number
  /** Nesting of maps and lists. */
  readonly maxDepth: number
}

/** Defaults: 256 KiB, as a ConfigMap value rarely needs more; 100 aliases; depth 64. */
export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 256 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
}

/** The UTF-8 length of a string, counted without an encoder (shared/ has none). */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}
