import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRelayBundle, RELAY_NODE_FLAGS } from '../../scripts/relay-bundle.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'relay-bundle-'))
let entry: string
let text: string

beforeAll(async () => {
  entry = await buildRelayBundle(join(dir, 'relay.mjs'))
  text = readFileSync(entry, 'utf8')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The relay's idle memory is measured by `npm run bench:relay`; these keep what it depends on.
describe('the relay bundle', () => {
  it('leaves out client-node generated API classes, undici and the unused parts of prom-client', () => {
    for (const name of ['ObjectSerializer', 'CoreV1Api', 'V1PodSpec', 'llhttp', 'Pushgateway']) {
      expect(text.includes(name), name).toBe(false)
    }
    expect(text.includes(' is not in the relay bundle;'), 'the undici stand-in').toBe(true)
    expect(text.length).toBeLessThan(2_000_000)
  })

  it('is ASCII only, so V8 keeps its source at one byte per character', () => {
    // UTF-8 takes one byte per character exactly when every character is ASCII.
    expect(Buffer.byteLength(text, 'utf8')).toBe(text.length)
  })

  it('carries the package version and runs as the image runs it', async () => {
    const version = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version: string
      }
    ).version
    expect(text.includes(JSON.stringify(version)), 'the version literal').toBe(true)
    const { stdout } = await run(join(root, 'node_modules/.bin/node'), [
      ...RELAY_NODE_FLAGS,
      entry,
      '--help',
    ])
    expect(stdout).toContain('--report-pods')
  })
})
