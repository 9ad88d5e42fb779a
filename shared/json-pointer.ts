/** Escapes one JSON Pointer token (RFC 6901): `~` as `~0` first, then `/` as `~1`. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}
