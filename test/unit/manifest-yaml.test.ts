import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { isAmbiguousScalar, stringifyManifest } from '../../cli/manifest-yaml.ts'

describe('isAmbiguousScalar', () => {
  it.each([
    ['on', 'a YAML 1.1 boolean'],
    ['Yes', 'a YAML 1.1 boolean'],
    ['y', 'a YAML 1.1 boolean'],
    ['N', 'a YAML 1.1 boolean'],
    ['OFF', 'a YAML 1.1 boolean'],
    ['true', 'a boolean everywhere'],
    ['~', 'null'],
    ['Null', 'null'],
    ['', 'null'],
    ['0755', 'a YAML 1.1 octal number'],
    ['0o17', "an octal number to Go's integer syntax and YAML 1.2"],
    ['0b101', 'a YAML 1.1 binary number'],
    ['0x1F', 'a hexadecimal number'],
    ['1_000', 'a YAML 1.1 number with separators'],
    ['1e3', 'a float'],
    ['.inf', 'infinity'],
    ['1:30', 'a YAML 1.1 sexagesimal number'],
    ['2001-12-14', 'a YAML 1.1 timestamp'],
    ['<<', 'a YAML 1.1 merge key'],
    ['=', 'a YAML 1.1 default value'],
    ['- a', 'a sequence'],
    ['a: b', 'a map'],
  ])('%j is ambiguous: %s', (text) => {
    expect(isAmbiguousScalar(text)).toBe(true)
  })

  it.each(['plain', 'busybox:1.36', 'k8s-sidecar-injector', '/var/log', 'a b', 'multi\nline'])(
    '%j is not',
    (text) => {
      expect(isAmbiguousScalar(text)).toBe(false)
    },
  )
})

describe('stringifyManifest', () => {
  const value = {
    metadata: { annotations: { on: 'yes', '<<': 'y', n: 'off', plain: 'text' } },
    spec: { args: ['0755', '0o17', '1:30', '2001-12-14', 'N', '~', 'x'], replicas: 2, ok: true },
    script: 'line one\nline two\n',
  }

  it.each(['1.1', '1.2'] as const)('reads back as the same JSON in YAML %s', (version) => {
    expect(parse(stringifyManifest(value), { version, merge: version === '1.1' })).toEqual(value)
  })

  it('quotes only what needs it', () => {
    expect(stringifyManifest({ a: 'on', b: 'text', c: 1 })).toBe('a: "on"\nb: text\nc: 1\n')
  })
})
