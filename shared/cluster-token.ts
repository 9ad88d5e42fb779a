/** The slice of WebCrypto's `SubtleCrypto` that token derivation needs; Node's and workerd's both fit. */
export interface SubtleLike {
  importKey(
    format: 'raw',
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: { name: 'HMAC'; hash: 'SHA-256' },
    extractable: false,
    keyUsages: ['sign'],
  ): Promise<unknown>
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

/** The two tokens of a cluster: `admit` rides in the webhook URL, `sync` authorises the relay. */
export interface ClusterTokens {
  readonly admit: string
  readonly sync: string
}

// Domain separation: the same secret and cluster give unrelated admit and sync tokens.
const ADMIT_LABEL = 'sidecar-injector/v1/admit'
const SYNC_LABEL = 'sidecar-injector/v1/sync'

/** Derives a cluster's tokens: HMAC-SHA256(secret, label NUL cluster), base64url, 256 bits each. */
export async function deriveClusterTokens(
  secret: string,
  cluster: string,
  subtle: SubtleLike,
): Promise<ClusterTokens> {
  const key = await subtle.importKey(
    'raw',
    encodeUtf8(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const [admit, sync] = await Promise.all(
    [ADMIT_LABEL, SYNC_LABEL].map(async (label) =>
      encodeBase64Url(
        new Uint8Array(await subtle.sign('HMAC', key, encodeUtf8(`${label}\0${cluster}`))),
      ),
    ),
  )
  return { admit: admit ?? '', sync: sync ?? '' }
}

/** Compares two strings in time that depends only on their lengths (token lengths are public). */
export function equalsConstantTime(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1))
  return diff === 0
}

// shared/ has no TextEncoder: encode UTF-8 by hand (surrogate pairs included).
function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  const bytes: number[] = []
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    if (code < 0x80) bytes.push(code)
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63))
    else if (code < 0x10000)
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63))
    else
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 63),
        0x80 | ((code >> 6) & 63),
        0x80 | (code & 63),
      )
  }
  return new Uint8Array(bytes)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// shared/ has no btoa: base64url without padding (RFC 4648 section 5).
function encodeBase64Url(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63]
  }
  return out
}
