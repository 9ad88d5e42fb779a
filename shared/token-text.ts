/**
 * A cluster token as text: 256 bits in unpadded base64url (RFC 4648 section 5), which is exactly
 * 43 characters of A-Z, a-z, 0-9, `-` and `_`. `sidecar-injector token` prints such tokens and the
 * Worker derives them (shared/cluster-token.ts).
 */
export const TOKEN_LENGTH = 43

const TOKEN = /^[A-Za-z0-9_-]+$/

/** A token read from a file or a variable, or the problem with the text, which never quotes it. */
export type TokenTextResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly problem: string }

/**
 * Reads one token from `text` (a file's content or a variable's value), ignoring surrounding
 * whitespace. Anything but exactly one token is refused with a problem that describes the text
 * by its shape only: the text may hold other secrets, such as the whole `token` output.
 */
export function parseTokenText(text: string): TokenTextResult {
  const trimmed = text.trim()
  if (trimmed === '') return fail('is empty')
  if (/\s/.test(trimmed)) {
    if (/^(cluster|admit|sync):/m.test(trimmed)) {
      return fail(
        'holds the whole `sidecar-injector token` output; it must hold one token only, as printed by `sidecar-injector token --only sync` (or `--only admit`)',
      )
    }
    if (/^bearer\s/i.test(trimmed))
      return fail('starts with "Bearer"; it must hold the token alone')
    const lines = trimmed.split(/\r?\n/).length
    const what = lines > 1 ? `${lines} lines` : 'several words'
    return fail(`holds ${what}; it must hold exactly one token`)
  }
  if (!TOKEN.test(trimmed)) {
    return fail('holds characters outside base64url (A-Z, a-z, 0-9, "-" and "_"); it is no token')
  }
  if (trimmed.length !== TOKEN_LENGTH) {
    return fail(
      `holds ${trimmed.length} characters; a token is exactly ${TOKEN_LENGTH} base64url characters`,
    )
  }
  return { ok: true, token: trimmed }
}

function fail(problem: string): TokenTextResult {
  return { ok: false, problem }
}

const REDACTED = '[redacted]'
const BEARER = /\b(bearer\s+)[^\s"',;]+/gi
// The token segment of a webhook URL: /v1/admit/{cluster}/{token}, /v1/validate/{cluster}/{token}.
const WEBHOOK_PATH = /(\/v1\/(?:admit|validate)\/[^/\s?#"']*\/)[^/\s?#"']+/g
// A free-standing run of exactly 43 base64url characters with an upper-case letter: a token.
// Kubernetes names are lower case, so they are left alone; a random token lacks upper case
// with a chance of about 1 in 5 billion.
const BARE_TOKEN = /(?<![A-Za-z0-9_-])(?=[a-z0-9_-]*[A-Z])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g

/**
 * Replaces what may be a token in free text (an error message, a URL) with `[redacted]`:
 * `Bearer` values, the token segment of webhook paths, and bare 43-character tokens.
 */
export function redactTokens(text: string): string {
  return text
    .replace(BEARER, `$1${REDACTED}`)
    .replace(WEBHOOK_PATH, `$1${REDACTED}`)
    .replace(BARE_TOKEN, REDACTED)
}
