import { encodeUtf8 } from './utf8.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0))
const NON_ASCII = /[\u0080-\uffff]/

/**
 * Standard padded base64 of the UTF-8 bytes of `text`. Written out because shared/ has no
 * `TextEncoder`, `btoa` or `Buffer`; lone surrogates become U+FFFD as `TextEncoder` does.
 */
export function encodeBase64Utf8(text: string): string {
  // JSON patches are nearly always ASCII, whose UTF-8 bytes are the char codes themselves.
  return encodeBinary(isAscii(text) ? text : binaryString(encodeUtf8(text)))
}

/** Unpadded base64url of `bytes` (RFC 4648 section 5), the alphabet of URL path segments. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBinary(binaryString(bytes))
    .replace(/=+$/, '')
    .replaceAll('+', '-')
    .replaceAll('/', '_')
}

/** True when every char code of `text` is below 0x80, so its UTF-8 bytes are its char codes. */
export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text)
}

/** Base64 of a string whose char codes are bytes (0-255). */
function encodeBinary(bytes: string): string {
  let out = ''
  let i = 0
  // Twelve bytes to sixteen characters per step: one short string per step keeps this fast.
  for (const end = bytes.length - 11; i < end; i += 12) {
    const a = triple(bytes, i)
    const b = triple(bytes, i + 3)
    const c = triple(bytes, i + 6)
    const d = triple(bytes, i + 9)
    out += String.fromCharCode(
      code(a >>> 18),
      code(a >>> 12),
      code(a >>> 6),
      code(a),
      code(b >>> 18),
      code(b >>> 12),
      code(b >>> 6),
      code(b),
      code(c >>> 18),
      code(c >>> 12),
      code(c >>> 6),
      code(c),
      code(d >>> 18),
      code(d >>> 12),
      code(d >>> 6),
      code(d),
    )
  }
  for (; i + 2 < bytes.length; i += 3) {
    const n = triple(bytes, i)
    out += String.fromCharCode(code(n >>> 18), code(n >>> 12), code(n >>> 6), code(n))
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes.charCodeAt(i) << 16
    out += `${String.fromCharCode(code(n >>> 18), code(n >>> 12))}==`
  } else if (rest === 2) {
    const n = (bytes.charCodeAt(i) << 16) | (bytes.charCodeAt(i + 1) << 8)
    out += `${String.fromCharCode(code(n >>> 18), code(n >>> 12), code(n >>> 6))}=`
  }
  return out
}

function triple(bytes: string, i: number): number {
  return (bytes.charCodeAt(i) << 16) | (bytes.charCodeAt(i + 1) << 8) | bytes.charCodeAt(i + 2)
}

function code(sextet: number): number {
  return CODES[sextet & 63] ?? 0
}

function binaryString(bytes: Uint8Array): string {
  let out = ''
  for (let at = 0; at < bytes.length; at += 0x1000) {
    out += String.fromCharCode(...bytes.subarray(at, at + 0x1000))
  }
  return out
}
