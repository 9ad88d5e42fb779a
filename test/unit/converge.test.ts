import { describe, expect, it } from 'vitest'
import type { StoredConfigInfo } from '../../shared/ingest-api.ts'
import { diffConfigs, findResurrections } from '../support/converge.ts'

function stored(ref: string, hash: string, name = 'cm'): StoredConfigInfo {
  const [n = '', v = ''] = ref.split(':')
  return {
    ref,
    name: n,
    version: v,
    hash,
    source: { kind: 'ConfigMap', namespace: 'ns', name, key: `${n}.yaml` },
    updatedAt: '2026-01-01T00:00:00Z',
  }
}

describe('diffConfigs', () => {
  const held = [stored('a:v1', 'h1'), stored('b:v1', 'h2')]

  it.each([
    ['equal sets', [{ ref: 'a:v1' }, { ref: 'b:v1', hash: 'h2' }], []],
    ['a missing config', [{ ref: 'a:v1' }, { ref: 'b:v1' }, { ref: 'c:v1' }], ['missing c:v1']],
    ['an extra config', [{ ref: 'a:v1' }], ['unexpected b:v1']],
    [
      'stale content',
      [{ ref: 'a:v1', hash: 'h9' }, { ref: 'b:v1' }],
      ['a:v1: hash h1, expected h9'],
    ],
    [
      'another source',
      [{ ref: 'a:v1', source: { namespace: 'ns', name: 'other', key: 'a.yaml' } }, { ref: 'b:v1' }],
      ['a:v1: source {"kind":"ConfigMap","namespace":"ns","name":"cm","key":"a.yaml"}'],
    ],
  ])('reports %s', (_, expected, problems) => {
    expect(diffConfigs(held, expected)).toEqual(problems)
  })
})

describe('findResurrections', () => {
  const snap = (at: number, ...refs: string[]) => ({ at, refs: new Set(refs) })
  const departed = new Map([['a:v1', 100]])

  it.each([
    ['removed and gone for good', [snap(50, 'a:v1'), snap(150, 'a:v1'), snap(200), snap(300)], []],
    ['still there after the edit, then gone', [snap(150, 'a:v1'), snap(250), snap(350)], []],
    [
      'removed, then back',
      [snap(50, 'a:v1'), snap(150), snap(250, 'a:v1')],
      ['a:v1: removed by 50 ms, back at 150 ms'],
    ],
    [
      'held after the edit, removed, then back',
      [snap(50), snap(120, 'a:v1'), snap(150), snap(250, 'a:v1')],
      ['a:v1: removed by 50 ms, back at 150 ms'],
    ],
    [
      'first delivered after the edit by a push already in flight, then removed',
      [snap(50), snap(101), snap(171, 'a:v1'), snap(300)],
      [],
    ],
    ['present before the edit only', [snap(50, 'a:v1'), snap(99, 'a:v1'), snap(101)], []],
  ])('%s', (_, snapshots, problems) => {
    expect(findResurrections(snapshots, departed)).toEqual(problems)
  })
})
