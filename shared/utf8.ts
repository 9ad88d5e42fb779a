/**
 * The UTF-8 bytes of `text`, as `TextEncoder` gives them: a lone surrogate (half of a pair
 * without its other half) becomes U+FFFD, EF BF BD. Written out because shared/ has no
 * `TextEncoder`; token derivation and base64 patches both rely on these exact bytes.
 */
export function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length * 3)
  let n = 0
  for (let i = 0; i < text.length; i++) {
    let point = text.charCodeAt(i)
    if (point >= 0xd800 && point <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (point <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        point = 0x10000 + ((point - 0xd800) << 10) + (next - 0xdc00)
        i++
      } else point = 0xfffd
    }
    if (point < 0x80) bytes[n++] = point
    else if (point < 0x800) {
      bytes[n++] = 0xc0 | (point >> 6)
      bytes[n++] = 0x80 | (point & 63)
    } else if (point < 0x10000) {
      bytes[n++] = 0xe0 | (point >> 12)
      bytes[n++] = 0x80 | ((point >> 6) & 63)
      bytes[n++] = 0x80 | (point & 63)
    } else {
      bytes[n++] = 0xf0 | (point >> 18)
      bytes[n++] = 0x80 | ((point >> 12) & 63)
      bytes[n++] = 0x80 | ((point >> 6) & 63)
      bytes[n++] = 0x80 | (point & 63)
    }
  }
  return bytes.subarray(0, n)
}
