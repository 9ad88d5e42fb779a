import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeBase64Url } from '../../shared/base64.ts'
import { encodeUtf8 } from '../../shared/utf8.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('encodeUtf8', () => {
  // [case, text, UTF-8 bytes in hex]: the table is the definition; TextEncoder must agree.
  it.each([
    ['empty', '', ''],
    ['ASCII', 'a-Z 0\t', '612d5a203009'],
    ['NUL', 'a\0b', '610062'],
    ['two-byte', 'ü', 'c3bc'],
    ['three-byte', '€', 'e282ac'],
    ['last BMP code point', '\uffff', 'efbfbf'],
    ['surrogate pair', '🔑', 'f09f9491'],
    ['highest pair', '\udbff\udfff', 'f48fbfbf'],
    ['lone high surrogate', '\ud800', 'efbfbd'],
    ['lone low surrogate', '\udc00', 'efbfbd'],
    ['lone high at the end', 'a\udbff', '61efbfbd'],
    ['lone high before a letter', '\ud83db', 'efbfbd62'],
    ['low before high (reversed pair)', '\udd11\ud83d', 'efbfbdefbfbd'],
    ['two highs then a low', '\ud83d\ud83d\udd11', 'efbfbdf09f9491'],
    ['pair after a lone low', '\udc00🔑', 'efbfbdf09f9491'],
  ])('%s: %j is %s, as TextEncoder gives it', (_name, text, expected) => {
    expect(hex(encodeUtf8(text))).toBe(expected)
    expect(hex(new TextEncoder().encode(text))).toBe(expected)
  })

  it('agrees with TextEncoder on any UTF-16 string, lone surrogates included', () => {
    const char16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
    fc.assert(
      fc.property(fc.string({ unit: char16, maxLength: 64 }), (text) => {
        expect(hex(encodeUtf8(text))).toBe(hex(new TextEncoder().encode(text)))
      }),
    )
  })
})

describe('encodeBase64Url', () => {
  it.each([
    ['', ''],
    ['66', 'Zg'],
    ['666f', 'Zm8'],
    ['666f6f', 'Zm9v'],
    ['fbfffe', '-__-'],
  ])('encodes bytes %s as %j, unpadded', (bytes, expected) => {
    expect(encodeBase64Url(Buffer.from(bytes, 'hex'))).toBe(expected)
  })

  it('agrees with Buffer for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(encodeBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
      }),
    )
  })
})
