import { describe, expect, it } from 'vitest'
import {
  decodeSnapshot,
  emptySnapshot,
  encodeSnapshot,
  entryJson,
  snapshotBytes,
  snapshotEntry,
} from '../../worker/configs/snapshot.ts'

const source = { kind: 'File' as const, path: 'a.yaml' }
const config = (ref: string, json: string, inherits?: string) => ({
  ref,
  json,
  hash: ref.replace(/\W/g, '').padEnd(64, '0'),
  source,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...(inherits === undefined ? {} : { inherits }),
})

describe('snapshot format 2', () => {
  it('is one header line, then the configs, each found again by its offset and length', () => {
    const configs = [
      config('a:v1', '{"name":"a","note":"line\\nbreak"}'),
      config('b:v1', '{"name":"b","note":"日本語 🚀"}', 'a:v1'),
      config('c:v1', '{}'),
    ]
    const { snapshot, text } = encodeSnapshot('alpha', '2026-02-02T00:00:00.000Z', configs)
    const [first, ...rest] = text.split('\n')
    expect(rest).toHaveLength(1)
    expect(JSON.parse(first ?? '')).toEqual(snapshot.header)
    expect(snapshot.header.entries['b:v1']).toMatchObject({ inherits: 'a:v1', at: [33, 28] })
    const read = decodeSnapshot('alpha', text)
    expect(read.length).toBe(text.length)
    for (const { ref, json } of configs) {
      const entry = snapshotEntry(read, ref)
      expect(entry === undefined ? undefined : entryJson(read, entry)).toBe(json)
    }
  })

  it('counts its size before it is built: never under the value published, at most 15 bytes over', () => {
    const configs = [
      config('a:v1', '{"name":"a","note":"日本語 🚀"}'),
      config('b:v1', `{"name":"b","pad":"${'x'.repeat(5000)}"}`, 'a:v1'),
    ]
    const counted = snapshotBytes('alpha', configs)
    for (const revision of [1, 42, 999_999_999]) {
      const { text } = encodeSnapshot('alpha', '2026-02-02T00:00:00.000Z', configs, revision)
      const bytes = new TextEncoder().encode(text).length
      expect(counted).toBeGreaterThanOrEqual(bytes)
      expect(counted - bytes).toBeLessThanOrEqual(15)
    }
    expect(
      JSON.parse(
        encodeSnapshot('alpha', '2026-02-02T00:00:00.000Z', configs, 7).text.split('\n')[0] ?? '',
      ),
    ).toMatchObject({ format: 2, scope: 'alpha', revision: 7 })
  })

  it('reads a scope never written as empty', () => {
    expect(decodeSnapshot('alpha', null)).toEqual(emptySnapshot('alpha'))
    expect(snapshotEntry(emptySnapshot('alpha'), 'a:v1')).toBeUndefined()
  })

  it('finds own entries only, never the prototype', () => {
    const { snapshot } = encodeSnapshot('alpha', '2026-02-02T00:00:00.000Z', [])
    expect(snapshotEntry(snapshot, 'toString')).toBeUndefined()
    expect(snapshotEntry(snapshot, '__proto__')).toBeUndefined()
  })

  it.each([
    ['{"version":1,"entries":{}}', 'stored snapshot of scope "alpha" is not a format 2 snapshot'],
    ['{"format":2}\n{}', 'stored snapshot of scope "alpha" is not a format 2 snapshot'],
    ['not json', /JSON/],
  ])('refuses a value that is not a format 2 snapshot: %j', (text, message) => {
    expect(() => decodeSnapshot('alpha', text)).toThrow(message)
  })
})
