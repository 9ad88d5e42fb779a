/** Bounds on untrusted config text, checked before and while parsing. */
export interface ParseLimits {
  /** Size of the UTF-8 text in bytes. */
  readonly maxBytes: number
  /**
   * Size in bytes of the config as JSON, YAML aliases expanded, counted while converting: an
   * alias costs what it expands to, so a few bytes of `*a` cannot grow into megabytes.
   */
  readonly maxJsonBytes: number
  /** Nesting of maps and lists. */
  readonly maxDepth: number
  /** Expanded JSON bytes left for a whole set of configs, shared by the documents read with it. */
  readonly budget?: ParseBudget
}

/** A budget of expanded JSON bytes that the documents of one set draw from as they are read. */
export interface ParseBudget {
  readonly limit: number
  remaining: number
}

/**
 * Thrown when the documents of a set expand past their shared budget: the set as a whole is
 * refused, and reading stops at once instead of expanding every remaining document.
 */
export class ParseBudgetExceeded extends Error {
  override readonly name = 'ParseBudgetExceeded'
  readonly limit: number
  constructor(limit: number) {
    super(`the configs expand to more than ${limit} bytes of JSON (YAML aliases expanded)`)
    this.limit = limit
  }
}

/** The default per-config limit on the expanded JSON (`INJECTOR_CONFIG_MAX_BYTES`): 128 KiB. */
export const DEFAULT_CONFIG_MAX_BYTES = 128 * 1024

/**
 * The largest per-config limit the Worker accepts: a ConfigMap holds at most 1 MiB, and a
 * larger config could not fit in an admission reply anyway. The relay checks with this bound
 * and leaves the configured one to the Worker, whose setting it does not know.
 */
export const CONFIG_MAX_BYTES_CEILING = 1024 * 1024

/** Defaults: 256 KiB of text, as a ConfigMap value rarely needs more; 128 KiB of JSON; depth 64. */
export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 256 * 1024,
  maxJsonBytes: DEFAULT_CONFIG_MAX_BYTES,
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
