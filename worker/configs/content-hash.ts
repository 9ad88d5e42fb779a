/** The content address of a stored config value: lowercase hex SHA-256 of its UTF-8 text. */
export async function hashContent(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** A short, non-reversible fingerprint of a token for logs: the first 8 hex digits of its SHA-256. */
export async function fingerprintToken(token: string): Promise<string> {
  return (await hashContent(token)).slice(0, 8)
}
