import { describe, expect, it } from 'vitest'
import { trackLineEnd } from '../../cli/cli-io.ts'
import { createRecordingIo } from '../support/recording-io.ts'

describe('trackLineEnd', () => {
  it.each([
    ['an unfinished line', ['env[0].value: "true"=true'], 'env[0].value: "true"=true\n'],
    ['a finished line', ['a\n'], 'a\n'],
    ['a line finished by a later write', ['a', 'b\n'], 'ab\n'],
    ['an empty write after a finished line', ['a\n', ''], 'a\n'],
    ['nothing', [], ''],
  ])('ends %s before a summary', (_, writes, expected) => {
    const recording = createRecordingIo()
    const { io, endLine } = trackLineEnd(recording.io)
    for (const text of writes) io.out(text)
    endLine()
    io.err('error: 1 problem\n')
    expect(recording.stdout()).toBe(expected)
    expect(`${recording.stdout()}${recording.stderr()}`).toMatch(/(^|\n)error: 1 problem\n$/)
  })

  it('adds at most one newline', () => {
    const recording = createRecordingIo()
    const { io, endLine } = trackLineEnd(recording.io)
    io.out('x')
    endLine()
    endLine()
    expect(recording.stdout()).toBe('x\n')
  })
})
