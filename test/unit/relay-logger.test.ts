import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createRelayLogger } from '../../relay/logger.ts'
import { TOKEN_A, TOKEN_B } from '../support/token-texts.ts'

/** A relay logger whose JSON lines are collected, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: createRelayLogger({ destination }), lines }
}

describe('relay logger redaction', () => {
  it.each([
    [
      'a Bearer value inside an error string',
      { error: `Headers.append: "Bearer ${TOKEN_A}" is an invalid header value` },
      { error: 'Headers.append: "Bearer [redacted]" is an invalid header value' },
    ],
    [
      'an admit URL inside an error string',
      { error: `request to https://w.example/v1/admit/prod-eu/${TOKEN_A} failed` },
      { error: 'request to https://w.example/v1/admit/prod-eu/[redacted] failed' },
    ],
    [
      'the whole token output read from a file',
      { error: `bad file: admit: ${TOKEN_A}\nsync: ${TOKEN_B}` },
      { error: 'bad file: admit: [redacted]\nsync: [redacted]' },
    ],
    [
      'a nested string',
      { push: { status: 401, detail: [`Bearer ${TOKEN_A}`] } },
      { push: { status: 401, detail: ['Bearer [redacted]'] } },
    ],
    ['a token field', { token: TOKEN_A }, { token: '[redacted]' }],
    [
      'an authorization header field',
      { headers: { authorization: 'Bearer abc' } },
      { headers: { authorization: '[redacted]' } },
    ],
    [
      'an ordinary field',
      { configMaps: 3, namespace: 'sidecars' },
      { configMaps: 3, namespace: 'sidecars' },
    ],
  ])('redacts %s', (_, fields, expected) => {
    const { logger, lines } = capture()
    logger.warn(fields, 'push failed')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ ...expected, msg: 'push failed' })
    expect(JSON.stringify(lines[0])).not.toContain(TOKEN_A.slice(0, 20))
  })

  it('redacts an Error object and the message itself', () => {
    const { logger, lines } = capture()
    logger.error({ error: new Error(`sync: ${TOKEN_B}`) }, `token ${TOKEN_A} refused`)
    expect(lines[0]).toMatchObject({
      error: { type: 'Error', message: 'sync: [redacted]' },
      msg: 'token [redacted] refused',
    })
  })

  it('leaves the caller object as it was', () => {
    const { logger } = capture()
    const fields = { error: `Bearer ${TOKEN_A}` }
    logger.info(fields, 'x')
    expect(fields.error).toBe(`Bearer ${TOKEN_A}`)
  })
})
