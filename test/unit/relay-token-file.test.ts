import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTokenFile } from '../../relay/token-file.ts'
import { BAD_TOKEN_TEXTS, TOKEN_A, TOKEN_B, TOKEN_C } from '../support/token-texts.ts'

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
    writeFileSync(path, `\uFEFF ${TOKEN_A}\r\n`)
    expect(openTokenFile(path).current()).toBe(TOKEN_A)
  })

  it('fails when the file is missing', () => {
    expect(() => openTokenFile(path)).toThrow(/ENOENT/)
  })

  it.each(BAD_TOKEN_TEXTS)('refuses a file that %s, never quoting it', (_, content, problem) => {
    writeFileSync(path, content)
    let message = ''
    try {
      openTokenFile(path)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe(`token file ${path} ${problem}`)
    for (const word of content.split(/\s+/).filter((w) => w.length >= 10)) {
      expect(message).not.toContain(word)
    }
  })

  it('picks up a rotated token at the next read', () => {
    writeFileSync(path, TOKEN_A)
    let rotations = 0
    const token = openTokenFile(path, { onRotated: () => rotations++ })
    swap(TOKEN_B, 1)
    expect(token.current()).toBe(TOKEN_B)
    expect(token.current()).toBe(TOKEN_B)
    expect(rotations).toBe(1)
  })

  it('keeps the last good token while the file is missing, empty or not one token', () => {
    writeFileSync(path, TOKEN_A)
    const errors: string[] = []
    const token = openTokenFile(path, { onError: (message) => errors.push(message) })
    unlinkSync(path)
    expect(token.current()).toBe(TOKEN_A)
    swap('', 2)
    expect(token.current()).toBe(TOKEN_A)
    swap(`cluster: prod-eu\nadmit: ${TOKEN_B}\nsync: ${TOKEN_C}\n`, 3)
    expect(token.current()).toBe(TOKEN_A)
    expect(errors).toEqual([
      `cannot read token file ${path} (ENOENT); keeping the previous token`,
      `token file ${path} is empty; keeping the previous token`,
      `token file ${path} holds the whole \`sidecar-injector token\` output; it must hold one token only, as printed by \`sidecar-injector token --only sync\` (or \`--only admit\`); keeping the previous token`,
    ])
    for (const secret of [TOKEN_A, TOKEN_B, TOKEN_C]) expect(errors.join()).not.toContain(secret)
    swap(`${TOKEN_C}\n`, 4)
    expect(token.current()).toBe(TOKEN_C)
  })
})
