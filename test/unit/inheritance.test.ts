import { describe, expect, it } from 'vitest'
import {
  findUnfetchedRefs,
  mergeSidecarConfigs,
  resolveSidecarConfig,
} from '../../shared/inheritance.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import type { SidecarConfig } from '../../shared/types.ts'
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

describe('findUnfetchedRefs', () => {
  it('walks parents as they arrive until nothing is left to fetch', () => {
    const store = lookupOf(base, child, config('name: leaf\ninherits: child:v2'))
    const fetched = new Map<string, SidecarConfig | undefined>()
    const rounds: string[][] = []
    const roots = [
      { name: 'leaf', version: 'latest' },
      { name: 'ghost', version: 'latest' },
    ]
    for (
      let next = findUnfetchedRefs(roots, fetched);
      next.length > 0;
      next = findUnfetchedRefs(roots, fetched)
    ) {
      rounds.push(next.map(formatSidecarRef))
      for (const ref of next) fetched.set(formatSidecarRef(ref), store(ref))
    }
    expect(rounds).toEqual([['leaf:latest', 'ghost:latest'], ['child:v2'], ['base:v1']])
    const lookup = (ref: { name: string; version: string }) => fetched.get(formatSidecarRef(ref))
    expect(resolveSidecarConfig(roots[0] ?? { name: '', version: '' }, lookup).ok).toBe(true)
  })

  it('stops at a cycle', () => {
    const a = config('name: a\ninherits: b')
    const b = config('name: b\ninherits: a')
    const fetched = new Map([
      ['a:latest', a],
      ['b:latest', b],
    ])
    expect(findUnfetchedRefs([{ name: 'a', version: 'latest' }], fetched)).toEqual([])
  })
})
