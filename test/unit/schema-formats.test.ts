import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formats as realFormats } from '@kubernetes-models/validate'
import { describe, expect, it } from 'vitest'
import { formats } from '../../shared/schema-formats.ts'

// The schemas shared/kubernetes-schema.ts imports; the Worker aliases their formats module.
const ENTRY_SCHEMAS = [
  'IoK8sApiCoreV1Container',
  'IoK8sApiCoreV1EnvVar',
  'IoK8sApiCoreV1HostAlias',
  'IoK8sApiCoreV1LocalObjectReference',
  'IoK8sApiCoreV1Volume',
  'IoK8sApiCoreV1VolumeMount',
]

// The package's formats, typed as ours: the same shapes, which the last test checks.
const packageFormats = realFormats as unknown as typeof formats

const schemaDir = (module: string): string => dirname(fileURLToPath(import.meta.resolve(module)))
const SCHEMA_DIRS: Record<string, string> = {
  'kubernetes-models': schemaDir('kubernetes-models/_schemas/IoK8sApiCoreV1Container'),
  '@kubernetes-models/apimachinery': schemaDir(
    '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApiResourceQuantity',
  ),
}

/** Every generated schema module the entry schemas reach, with its text. */
function reachableSchemas(): Map<string, string> {
  const seen = new Map<string, string>()
  const queue = ENTRY_SCHEMAS.map((name) =>
    join(SCHEMA_DIRS['kubernetes-models'] ?? '', `${name}.js`),
  )
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue
    const text = readFileSync(file, 'utf8')
    seen.set(file, text)
    for (const [, name] of text.matchAll(/from"\.\/(\w+)\.js"/g))
      queue.push(join(dirname(file), `${name}.js`))
    for (const [, pkg, name] of text.matchAll(
      /from"((?:@kubernetes-models\/)?[\w-]+)\/_schemas\/(\w+)"/g,
    )) {
      const dir = SCHEMA_DIRS[pkg ?? '']
      if (dir === undefined) throw new Error(`schema ${file} imports from unknown package ${pkg}`)
      queue.push(join(dir, `${name}.js`))
    }
  }
  return seen
}

describe('the formats module the Worker ships instead of @kubernetes-models/validate', () => {
  const schemas = reachableSchemas()

  it('provides exactly the formats the schemas reference', () => {
    const referenced = new Set<string>()
    for (const text of schemas.values()) {
      for (const [, name] of text.matchAll(/formats\.(\w+)/g)) referenced.add(name ?? '')
      for (const [, name] of text.matchAll(/formats\["([^"]+)"\]/g)) referenced.add(name ?? '')
      // Any other way of reading a format would escape the two patterns above.
      const rest = text
        .replace('import{formats}from"@kubernetes-models/validate"', '')
        .replaceAll(/formats(?:\.\w+|\["[^"]+"\]|\d+)/g, '')
      expect(rest).not.toContain('formats')
    }
    expect(schemas.size).toBeGreaterThan(50)
    expect([...referenced].sort()).toEqual(Object.keys(formats).sort())
  })

  it('is the only thing the schemas import from outside the schema folders', () => {
    const external = new Set<string>()
    for (const text of schemas.values()) {
      for (const [, from] of text.matchAll(/from"([^".][^"]*)"/g)) {
        if (!from?.includes('/_schemas/')) external.add(from ?? '')
      }
      for (const [, what] of text.matchAll(
        /import\{([^}]*)\}from"@kubernetes-models\/validate"/g,
      )) {
        expect(what).toBe('formats')
      }
    }
    expect([...external]).toEqual(['@kubernetes-models/validate'])
  })

  it.each([
    ['int32', 0],
    ['int32', 8080],
    ['int32', -1],
    ['int32', 2 ** 31 - 1],
    ['int32', 2 ** 31],
    ['int32', -(2 ** 31)],
    ['int32', -(2 ** 31) - 1],
    ['int32', 1.5],
    ['int32', 1e21],
    ['int64', 0],
    ['int64', 2 ** 53],
    ['int64', -5],
    ['int64', 0.1],
    ['int64', Number.MAX_SAFE_INTEGER],
  ] as const)('%s agrees with the package on %d', (name, value) => {
    expect(formats[name].validate(value)).toBe(packageFormats[name].validate(value))
  })

  it.each([
    '1',
    '500m',
    '64Mi',
    '1.5',
    '.5',
    '5.',
    '+1',
    '-1',
    '1e3',
    '1E-3',
    '2Ki',
    '3Ei',
    '1da',
    '1h',
    '1Y',
    'lots',
    '',
    '1 Gi',
    '1Gb',
    '1.2.3',
    'e3',
    '0x10',
    '1e',
    '١',
  ])('quantity agrees with the package on %j', (value) => {
    expect(formats.quantity.validate.test(value)).toBe(packageFormats.quantity.validate.test(value))
  })

  it.each([
    '2024-02-29T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T23:59:60Z',
    '2024-01-01T22:59:60Z',
    '2024-01-01T23:59:60+01:00',
    '2024-01-01T00:59:60+01:00',
    '2024-01-01T12:00:00',
    '2024-01-01 12:00:00.123+02:00',
    '2024-01-01t12:00:00z',
    '2024-01-01T12:00:00+24:00',
    '2024-01-01T12:00:00+0130',
    '2024-1-01T12:00:00Z',
    'yesterday',
    '',
  ])('date-time agrees with the package on %j', (value) => {
    expect(formats['date-time'].validate(value)).toBe(packageFormats['date-time'].validate(value))
  })

  it('pins a few answers, so agreement is not agreement on nothing', () => {
    expect(formats.int32.validate(2 ** 31)).toBe(false)
    expect(formats.quantity.validate.test('64Mi')).toBe(true)
    expect(formats['date-time'].validate('2024-02-29T12:00:00Z')).toBe(true)
    expect(formats['date-time'].validate('2023-02-29T12:00:00Z')).toBe(false)
  })

  it('declares the same types and shapes as the package', () => {
    for (const name of Object.keys(formats) as (keyof typeof formats)[]) {
      const typeOf = (format: object): unknown => ('type' in format ? format.type : undefined)
      expect(typeOf(formats[name])).toBe(typeOf(packageFormats[name]))
      expect(typeof formats[name].validate).toBe(typeof packageFormats[name].validate)
    }
    expect(packageFormats.quantity.validate).toBeInstanceOf(RegExp)
  })
})
