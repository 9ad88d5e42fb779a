import { describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../../shared/loopback-host.ts'
import { parseTokenText, redactTokens, TOKEN_LENGTH } from '../../shared/token-text.ts'
import { BAD_TOKEN_TEXTS, TOKEN_A, TOKEN_B } from '../support/token-texts.ts'

describe('parseTokenText', () => {
  it.each([
    ['a bare token', TOKEN_A],
    ['a token with a newline', `${TOKEN_A}\n`],
    ['a token with CRLF and spaces', `  ${TOKEN_A}\r\n`],
    ['a token after a byte-order mark', `\uFEFF${TOKEN_A}`],
  ])('reads %s', (_, text) => {
    expect(parseTokenText(text)).toEqual({ ok: true, token: TOKEN_A })
  })

  it('matches the length of a derived 256-bit token', () => {
    expect(TOKEN_LENGTH).toBe(Math.ceil((256 / 8) * (4 / 3)))
  })

  it.each(BAD_TOKEN_TEXTS)('refuses text that %s', (_, text, problem) => {
    const result = parseTokenText(text)
    expect(result).toEqual({ ok: false, problem })
    expect(problem).not.toContain(TOKEN_A.slice(0, 10))
  })
})

describe('redactTokens', () => {
  it.each([
    [
      'a Bearer value in an error',
      `Headers.append: "Bearer ${TOKEN_A}" is an invalid header value`,
      'Headers.append: "Bearer [redacted]" is an invalid header value',
    ],
    ['a short Bearer value', 'authorization: bearer abc', 'authorization: bearer [redacted]'],
    [
      'the token segment of an admit URL',
      'fetch https://w.example/v1/admit/prod-eu/not-43-chars-but-still-a-token failed',
      'fetch https://w.example/v1/admit/prod-eu/[redacted] failed',
    ],
    [
      'the token segment of a validate URL with a query',
      '/v1/validate/prod-eu/abc?x=1',
      '/v1/validate/prod-eu/[redacted]?x=1',
    ],
    [
      'both tokens of the token output',
      `cluster: prod-eu\nadmit: ${TOKEN_A}\nsync: ${TOKEN_B}`,
      'cluster: prod-eu\nadmit: [redacted]\nsync: [redacted]',
    ],
    ['a token in quotes', `"${TOKEN_A}"`, '"[redacted]"'],
  ])('redacts %s', (_, text, expected) => {
    expect(redactTokens(text)).toBe(expected)
  })

  it.each([
    [
      'a lower-case Kubernetes name of 43 characters',
      'my-very-long-configmap-name-for-sidecars-01',
    ],
    [
      'a sha256 hash',
      'config/prod-eu/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ],
    ['a 44-character word', `${TOKEN_A}x`],
    ['the ingest path', 'PUT /v1/clusters/prod-eu/configs answered 503'],
  ])('leaves %s alone', (_, text) => {
    expect(redactTokens(text)).toBe(text)
  })
})

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['localhost.', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['127.0.0.256', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['[::ffff:7f00:1]', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['example.com', false],
  ])('%s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
  })
})
