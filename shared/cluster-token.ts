import { encodeBase64Url } from './base64.ts'
import { encodeUtf8 } from './utf8.ts'

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
// The fleet token is one for the whole fleet: its input names no cluster, and a label no
// cluster token uses, so no cluster's token can equal it.
const FLEET_LABEL = 'sidecar-injector/v1/fleet'

/** Derives a cluster's tokens: HMAC-SHA256(secret, label NUL cluster), base64url, 256 bits each. */
export async function deriveClusterTokens(
  secret: string,
  cluster: string,
  subtle: SubtleLike,
): Promise<ClusterTokens> {
  const key = await importSecret(secret, subtle)
  const [admit, sync] = await Promise.all(
    [ADMIT_LABEL, SYNC_LABEL].map((label) => sign(subtle, key, `${label}\0${cluster}`)),
  )
  return { admit: admit ?? '', sync: sync ?? '' }
}

/**
 * Derives the fleet token, which reads every cluster's status and the fleet metrics (and nothing
 * else): HMAC-SHA256(secret, `sidecar-injector/v1/fleet`), base64url, 256 bits.
 */
export async function deriveFleetToken(secret: string, subtle: SubtleLike): Promise<string> {
  return sign(subtle, await importSecret(secret, subtle), FLEET_LABEL)
}

function importSecret(secret: string, subtle: SubtleLike): Promise<unknown> {
  return subtle.importKey('raw', encodeUtf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
}

async function sign(subtle: SubtleLike, key: unknown, input: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await subtle.sign('HMAC', key, encodeUtf8(input))))
}

/** Compares two strings in time that depends only on their lengths (token lengths are public). */
export function equalsConstantTime(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1))
  return diff === 0
}
