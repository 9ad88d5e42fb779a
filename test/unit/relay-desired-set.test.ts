import { describe, expect, it } from 'vitest'
import { buildDesiredSet, type ConfigMapRecord } from '../../relay/desired-set.ts'

function config(name: string, version = 'v1', image = 'busybox'): string {
  return `name: ${name}\nversion: ${version}\ncontainers:\n  - name: ${name}\n    image: ${image}\n`
}

function cm(
  namespace: string,
  name: string,
  data: Record<string, string>,
  rv = '1',
): ConfigMapRecord {
  return { namespace, name, uid: `uid-${name}`, resourceVersion: rv, data }
}

describe('buildDesiredSet', () => {
  it('makes one entry per data key, ordered by namespace, name and key, with its source', () => {
    const set = buildDesiredSet([
      cm('b', 'zeta', { 'z.yaml': config('zed') }, '7'),
      cm('a', 'alpha', { 'y.yaml': config('why'), 'x.yaml': config('ex') }, '5'),
    ])
    expect(set.invalid).toEqual([])
    expect(set.entries.map((e) => e.source)).toEqual([
      { kind: 'ConfigMap', namespace: 'a', name: 'alpha', key: 'x.yaml', resourceVersion: '5' },
      { kind: 'ConfigMap', namespace: 'a', name: 'alpha', key: 'y.yaml', resourceVersion: '5' },
      { kind: 'ConfigMap', namespace: 'b', name: 'zeta', key: 'z.yaml', resourceVersion: '7' },
    ])
    expect(set.entries[0]?.text).toBe(config('ex'))
  })

  it('is the same whatever order the ConfigMaps come in', () => {
    const maps = [cm('a', 'one', { k: config('one') }), cm('a', 'two', { k: config('two') })]
    expect(buildDesiredSet(maps)).toEqual(buildDesiredSet([...maps].reverse()))
  })

  it('sets aside unreadable and schema-breaking keys, and keeps the valid keys of the same ConfigMap', () => {
    const set = buildDesiredSet([
      cm('ns', 'mixed', {
        'good.yaml': config('good'),
        'yaml.yaml': 'name: x\ncontainers: [ {name: "a"\n',
        'schema.yaml': 'name: bad\ncontainers: "not-a-list"\n',
      }),
    ])
    expect(set.entries.map((e) => e.source)).toEqual([
      expect.objectContaining({ name: 'mixed', key: 'good.yaml' }),
    ])
    expect(set.invalid.map((i) => i.key)).toEqual(['schema.yaml', 'yaml.yaml'])
    const schema = set.invalid.find((i) => i.key === 'schema.yaml')
    expect(schema?.ref).toBe('bad:latest')
    expect(schema?.issues.map((i) => i.path)).toContain('containers')
    expect(schema?.configMap).toEqual({
      namespace: 'ns',
      name: 'mixed',
      uid: 'uid-mixed',
      resourceVersion: '1',
    })
  })

  it('rejects a name:version defined twice, on both sides, naming the other source', () => {
    const set = buildDesiredSet([
      cm('ns', 'first', { 'a.yaml': config('twin', 'v2', 'one') }),
      cm('other', 'second', { 'b.yaml': config('twin', 'v2', 'two') }),
      cm('ns', 'third', { 'c.yaml': config('twin', 'v3') }),
    ])
    expect(set.entries.map((e) => e.source)).toEqual([
      expect.objectContaining({ name: 'third', key: 'c.yaml' }),
    ])
    expect(set.invalid).toHaveLength(2)
    const [first, second] = set.invalid
    expect(first?.configMap.name).toBe('first')
    expect(first?.ref).toBe('twin:v2')
    expect(first?.issues[0]?.message).toBe(
      'duplicate twin:v2: also defined in ConfigMap other/second key b.yaml',
    )
    expect(second?.configMap.name).toBe('second')
    expect(second?.issues[0]?.message).toBe(
      'duplicate twin:v2: also defined in ConfigMap ns/first key a.yaml',
    )
  })

  it('treats a missing version as latest when looking for duplicates', () => {
    const set = buildDesiredSet([
      cm('ns', 'a', { k: 'name: same\ncontainers: []\n' }),
      cm('ns', 'b', { k: 'name: same\nversion: latest\ncontainers: []\n' }),
    ])
    expect(set.entries).toEqual([])
    expect(set.invalid.map((i) => i.ref)).toEqual(['same:latest', 'same:latest'])
  })

  it('leaves host access to the Worker, whose INJECTOR_ALLOW_HOST_ACCESS the relay cannot see', () => {
    const set = buildDesiredSet([cm('ns', 'net', { k: 'name: netdebug\nhostNetwork: true\n' })])
    expect(set.invalid).toEqual([])
    expect(set.entries.map((e) => e.source)).toEqual([expect.objectContaining({ name: 'net' })])
  })

  it('leaves a size between the default limit and 1 MiB to the Worker, and refuses past 1 MiB', () => {
    // About 200 KB of JSON: over the Worker's default INJECTOR_CONFIG_MAX_BYTES, within its range.
    const large = `name: large\nannotations: &a {note: "${'n'.repeat(200_000)}"}\nlabels: {}\n`
    // 20 KB of text whose aliases expand to about 2 MB.
    const bomb = `name: bomb\nx1: &x ["${'b'.repeat(20_000)}"]\nx2: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\nx3: &z [*y, *y, *y, *y, *y, *y, *y, *y, *y, *y]\nannotations: {a: *z}\n`
    const set = buildDesiredSet([cm('ns', 'sizes', { 'bomb.yaml': bomb, 'large.yaml': large })])
    expect(set.entries.map((e) => e.source)).toEqual([
      expect.objectContaining({ key: 'large.yaml' }),
    ])
    expect(set.invalid.map((i) => [i.key, i.issues])).toEqual([
      [
        'bomb.yaml',
        [
          {
            path: '',
            message: 'config is larger than 1048576 bytes as JSON (YAML aliases expanded)',
          },
        ],
      ],
    ])
  })

  it('is empty for no ConfigMaps, and for ConfigMaps without data', () => {
    expect(buildDesiredSet([])).toEqual({ entries: [], invalid: [] })
    expect(buildDesiredSet([cm('ns', 'empty', {})])).toEqual({
      entries: [],
      invalid: [],
    })
  })
})
