import { encodeUtf8 } from './utf8.ts'

/** The slice of WebCrypto's `SubtleCrypto` that hashing needs; Node's and workerd's both fit. */
export interface DigestLike {
  digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

/**
 * The content address of a stored value: lowercase hex SHA-256 of its UTF-8 text. A config's is
 * that of its JSON text (`JSON.stringify` of the parsed config), as the Worker stores it: what
 * revisions record and what the injected stamp carries, so an offline preview must hash alike.
 */
export async function hashContent(text: string, subtle: DigestLike): Promise<string> {
  const digest = await subtle.digest('SHA-256', encodeUtf8(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
