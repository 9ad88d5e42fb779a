import { describe, expect, it } from 'vitest'
import {
  mergeSidecarConfigs,
  resolveSidecarConfig,
  resolvingLookup,
} from '../../shared/inheritance.ts'
import type { ConfigLookup } from '../../shared/types.ts'
import { config, lookupOf } from './engine-support.ts'

const base = config(`
name: base:v1
containers:
  - {name: logger, image: logger:1}
  - {name: shipper, image: shipper:1}
initContainers: [{name: setup, image: setup:1}]
volumes: [{name: logs, emptyDir: {}}, {name: conf, configMap: {name: base}}]
volumeMounts: [{name: logs, mountPath: /logs}]
env: [{name: LEVEL, value: info}, {name: REGION, value: eu}]
hostAliases: [{ip: 10.0.0.1, hostnames: [base.local]}]
serviceAccountName: base-sa
imagePullSecrets: [{name: base-registry}]
labels: {tier: base, team: obs}
hostNetwork: true
`)

const child = config(`
name: child:v2
inherits: base:v1
containers:
  - {name: shipper, image: shipper:2}
  - {name: tracer, image: tracer:1}
volumes: [{name: conf, configMap: {name: child}}]
env: [{name: LEVEL, value: debug}]
hostAliases: [{ip: 10.0.0.2, hostnames: [child.local]}]
labels: {tier: child}
hostNetwork: false
`)

describe('mergeSidecarConfigs', () => {
  it("follows tumblr's Merge: by name with the child winning, hostAliases appended", () => {
    const merged = mergeSidecarConfigs(base, child)
    expect(merged.name).toBe('child')
    expect(merged.version).toBe('v2')
    expect(merged.inherits).toBeUndefined()
    expect(merged.containers).toEqual([
      { name: 'logger', image: 'logger:1' },
      { name: 'shipper', image: 'shipper:2' },
      { name: 'tracer', image: 'tracer:1' },
    ])
    expect(merged.initContainers).toEqual([{ name: 'setup', image: 'setup:1' }])
    expect(merged.volumes).toEqual([
      { name: 'logs', emptyDir: {} },
      { name: 'conf', configMap: { name: 'child' } },
    ])
    expect(merged.env).toEqual([
      { name: 'LEVEL', value: 'debug' },
      { name: 'REGION', value: 'eu' },
    ])
    expect(merged.volumeMounts).toEqual([{ name: 'logs', mountPath: '/logs' }])
    expect(merged.hostAliases.map((a) => a.ip)).toEqual(['10.0.0.1', '10.0.0.2'])
    expect(merged.serviceAccountName).toBe('base-sa')
    expect(merged.imagePullSecrets).toEqual([{ name: 'base-registry' }])
    expect(merged.labels).toEqual({ tier: 'child', team: 'obs' })
    expect(merged.hostNetwork).toBe(false)
  })

  it('takes serviceAccountName from the child when set', () => {
    const withAccount = config('name: c\nserviceAccountName: child-sa')
    expect(mergeSidecarConfigs(base, withAccount).serviceAccountName).toBe('child-sa')
  })
})

describe('resolveSidecarConfig', () => {
  it('resolves a chain root-first and names it', () => {
    const grandchild = config('name: leaf\ninherits: child:v2\nenv: [{name: REGION, value: us}]')
    const result = resolveSidecarConfig(
      { name: 'leaf', version: 'latest' },
      lookupOf(base, child, grandchild),
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.chain).toEqual(['leaf:latest', 'child:v2', 'base:v1'])
    expect(result.config.name).toBe('leaf')
    expect(result.config.env).toEqual([
      { name: 'LEVEL', value: 'debug' },
      { name: 'REGION', value: 'us' },
    ])
  })

  it('returns a config without parents as it is', () => {
    const result = resolveSidecarConfig({ name: 'base', version: 'v1' }, lookupOf(base))
    expect(result.ok && result.config).toBe(base)
    expect(result.ok && result.chain).toEqual(['base:v1'])
  })

  it.each([
    ['a missing config', [], 'ghost', 'config "ghost:latest" not found'],
    [
      'a missing parent',
      ['name: a\ninherits: b', 'name: b\ninherits: c:v1'],
      'a',
      'config "c:v1" not found (inherited through a:latest -> b:latest -> c:v1)',
    ],
    [
      'a cycle',
      ['name: a\ninherits: b', 'name: b\ninherits: c', 'name: c\ninherits: a'],
      'a',
      'inheritance cycle: a:latest -> b:latest -> c:latest -> a:latest',
    ],
    [
      'a name used by containers and initContainers after merging',
      [
        'name: a\ninherits: b\ncontainers: [{name: x, image: i}]',
        'name: b\ninitContainers: [{name: x, image: j}]',
      ],
      'a',
      'container name "x" is used by both containers and initContainers (after inheritance a:latest -> b:latest)',
    ],
  ])('reports %s', (_, texts, name, message) => {
    const result = resolveSidecarConfig({ name, version: 'latest' }, lookupOf(...texts.map(config)))
    expect(result).toEqual({ ok: false, message })
  })

  const chainOf = (length: number) =>
    Array.from({ length }, (_, i) =>
      config(
        i + 1 < length
          ? `name: c${i}\ninherits: c${i + 1}\nenv: [{name: E${i}, value: "${i}"}]`
          : `name: c${i}`,
      ),
    )

  it('allows 10 inherits hops', () => {
    const result = resolveSidecarConfig({ name: 'c0', version: 'latest' }, lookupOf(...chainOf(11)))
    expect(result.ok && result.chain).toHaveLength(11)
    expect(result.ok && result.config.env).toHaveLength(10)
  })

  it('refuses 11 hops, naming the chain', () => {
    const result = resolveSidecarConfig({ name: 'c0', version: 'latest' }, lookupOf(...chainOf(12)))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.message).toBe(
        `inheritance deeper than 10: ${Array.from({ length: 12 }, (_, i) => `c${i}:latest`).join(' -> ')}`,
      )
    }
  })
})

describe('resolvingLookup', () => {
  const leaf = config('name: leaf\ninherits: child:v2\nenv: [{name: REGION, value: us}]')
  const leafRef = { name: 'leaf', version: 'latest' }
  /** A lookup over `configs` that counts its calls. */
  const counted = (...configs: Parameters<typeof lookupOf>) => {
    const inner = lookupOf(...configs)
    const calls = { count: 0 }
    const lookup: ConfigLookup = (ref) => {
      calls.count++
      return inner(ref)
    }
    return { lookup, calls }
  }

  it('answers a config with its parents merged, as resolveSidecarConfig does', () => {
    const plain = lookupOf(base, child, leaf)
    const expected = resolveSidecarConfig(leafRef, plain)
    if (!expected.ok) throw new Error(expected.message)
    const answer = resolvingLookup(plain)(leafRef)
    expect(answer).toEqual(expected.config)
    expect(answer?.inherits).toBeUndefined()
    // Resolving the answer again changes nothing.
    const again = resolveSidecarConfig(leafRef, resolvingLookup(plain))
    expect(again.ok && again.config).toEqual(expected.config)
  })

  it('resolves each name:version once while it is kept', () => {
    const { lookup, calls } = counted(base, child, leaf)
    const resolving = resolvingLookup(lookup)
    resolving(leafRef)
    const first = calls.count
    expect(first).toBe(3)
    resolving(leafRef)
    resolving(leafRef)
    expect(calls.count).toBe(first)
  })

  it('answers a chain that fails as stored, so resolving reports it, and tries it again', () => {
    const { lookup, calls } = counted(child, leaf)
    const resolving = resolvingLookup(lookup)
    expect(resolving(leafRef)).toBe(leaf)
    const result = resolveSidecarConfig(leafRef, resolving)
    expect(result).toEqual(resolveSidecarConfig(leafRef, lookupOf(child, leaf)))
    expect(result.ok).toBe(false)
    const before = calls.count
    resolving(leafRef)
    expect(calls.count).toBeGreaterThan(before)
  })
})
