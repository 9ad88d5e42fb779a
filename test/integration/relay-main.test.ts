import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// readRelaySettings itself is unit-tested (test/unit/relay-settings.test.ts); this is the
// program around it, started the way the image starts it.
describe('relay/main.ts', () => {
  it('prints the help and exits 0 when run as a program', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url))
    const output = execFileSync(process.execPath, ['relay/main.ts', '--help'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toMatch(/^Usage: relay \[options\]/)
    expect(output).toContain('--worker-url <value>')
  })
})
