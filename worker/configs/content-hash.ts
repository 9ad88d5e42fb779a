import { hashContent as hashWith } from '../../shared/content-hash.ts'

/** The content address of a stored config value (shared/content-hash.ts), with the runtime's WebCrypto. */
export function hashContent(text: string): Promise<string> {
  return hashWith(text, crypto.subtle)
}

/** A short, non-reversible fingerprint of a token for logs: the first 8 hex digits of its SHA-256. */
export async function fingerprintToken(token: string): Promise<string> {
  return (await hashContent(token)).slice(0, 8)
}
