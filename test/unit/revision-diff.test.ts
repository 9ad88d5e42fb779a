import { describe, expect, it } from 'vitest'
import type { ConfigSource } from '../../shared/ingest-api.ts'
import { diffEntrySets, type EntryRecord, sameEntrySet } from '../../shared/revision-diff.ts'

const cm = (name: string, resourceVersion?: string): ConfigSource => ({
  kind: 'ConfigMap',
  namespace: 'sidecars',
  name,
  key: 'config.yaml',
  ...(resourceVersion === undefined ? {} : { resourceVersion }),
})

const set = (...entries: [string, EntryRecord][]) => new Map(entries)
const entry = (hash: string, source: ConfigSource = cm('a'), inherits?: string): EntryRecord => ({
  hash,
  source,
  ...(inherits === undefined ? {} : { inherits }),
})

describe('sameEntrySet', () => {
  it.each([
    ['two empty sets', set(), set(), true],
    ['the same entry', set(['a:v1', entry('h1')]), set(['a:v1', entry('h1')]), true],
    [
      'only a new resourceVersion',
      set(['a:v1', entry('h1', cm('a', '1'))]),
      set(['a:v1', entry('h1', cm('a', '2'))]),
      true,
    ],
    [
      'the source members in another order',
      set(['a:v1', entry('h1', { kind: 'File', path: 'a.yaml', document: 1 })]),
      set(['a:v1', entry('h1', { document: 1, path: 'a.yaml', kind: 'File' } as ConfigSource)]),
      true,
    ],
    ['new content', set(['a:v1', entry('h1')]), set(['a:v1', entry('h2')]), false],
    [
      'another parent',
      set(['a:v1', entry('h1')]),
      set(['a:v1', entry('h1', cm('a'), 'b:v1')]),
      false,
    ],
    [
      'a moved ConfigMap',
      set(['a:v1', entry('h1', cm('a'))]),
      set(['a:v1', entry('h1', cm('b'))]),
      false,
    ],
    [
      'one more config',
      set(['a:v1', entry('h1')]),
      set(['a:v1', entry('h1')], ['b:v1', entry('h2')]),
      false,
    ],
    ['another name', set(['a:v1', entry('h1')]), set(['b:v1', entry('h1')]), false],
  ])('%s -> %s', (_, a, b, same) => {
    expect(sameEntrySet(a, b)).toBe(same)
    expect(sameEntrySet(b, a)).toBe(same)
  })
})

describe('diffEntrySets', () => {
  it('lists added, changed and removed configs with their hashes, sorted by name:version', () => {
    const before = set(
      ['z:v1', entry('z1')],
      ['logger:v1', entry('l1')],
      ['metrics:v1', entry('m1')],
      ['moved:v1', entry('v1', cm('old'))],
      ['same:v1', entry('s1', cm('s', '1'))],
    )
    const after = set(
      ['same:v1', entry('s1', cm('s', '7'))],
      ['tracing:v1', entry('t1')],
      ['moved:v1', entry('v1', cm('new'))],
      ['logger:v1', entry('l2')],
      ['a:v1', entry('a1')],
    )
    expect(diffEntrySets(before, after)).toEqual({
      added: [
        { ref: 'a:v1', hash: 'a1' },
        { ref: 'tracing:v1', hash: 't1' },
      ],
      changed: [
        { ref: 'logger:v1', hash: 'l2', previousHash: 'l1' },
        // Only its source changed: the same hash on both sides.
        { ref: 'moved:v1', hash: 'v1', previousHash: 'v1' },
      ],
      removed: [
        { ref: 'metrics:v1', hash: 'm1' },
        { ref: 'z:v1', hash: 'z1' },
      ],
    })
  })

  it('is empty for sets sameEntrySet calls the same, and reverses when the sets swap', () => {
    const a = set(['a:v1', entry('h1', cm('a', '1'))], ['b:v1', entry('h2')])
    const b = set(['a:v1', entry('h1', cm('a', '9'))], ['c:v1', entry('h3')])
    expect(diffEntrySets(a, set(...a))).toEqual({ added: [], changed: [], removed: [] })
    expect(diffEntrySets(a, b)).toEqual({
      added: [{ ref: 'c:v1', hash: 'h3' }],
      changed: [],
      removed: [{ ref: 'b:v1', hash: 'h2' }],
    })
    expect(diffEntrySets(b, a)).toEqual({
      added: [{ ref: 'b:v1', hash: 'h2' }],
      changed: [],
      removed: [{ ref: 'c:v1', hash: 'h3' }],
    })
  })
})
