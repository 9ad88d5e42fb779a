import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTokenFile } from '../../relay/token-file.ts'

let dir: string
let path: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-token-'))
  path = join(dir, 'token')
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

// Secret volumes update by swapping in a new file, never by writing in place.
function swap(content: string, n: number): void {
  const next = join(dir, `next-${n}`)
  writeFileSync(next, content)
  renameSync(next, path)
}

describe('openTokenFile', () => {
  it('reads the token without surrounding whitespace', () => {
    writeFileSync(path, 'abc\n')
    expect(openTokenFile(path).current()).toBe('abc')
  })

  it('fails when the file is missing or empty', () => {
    expect(() => openTokenFile(path)).toThrow(/ENOENT/)
    writeFileSync(path, '\n')
    expect(() => openTokenFile(path)).toThrow(/empty/)
  })

  it('picks up a rotated token at the next read', () => {
    writeFileSync(path, 'old')
    let rotations = 0
    const token = openTokenFile(path, { onRotated: () => rotations++ })
    swap('new', 1)
    expect(token.current()).toBe('new')
    expect(token.current()).toBe('new')
    expect(rotations).toBe(1)
  })

  it('keeps the last good token while the file is missing or empty', () => {
    writeFileSync(path, 'good')
    const errors: string[] = []
    const token = openTokenFile(path, { onError: (message) => errors.push(message) })
    unlinkSync(path)
    expect(token.current()).toBe('good')
    swap('', 2)
    expect(token.current()).toBe('good')
    expect(errors).toHaveLength(2)
    expect(errors.join()).not.toContain('good')
    swap('better', 3)
    expect(token.current()).toBe('better')
  })
})
