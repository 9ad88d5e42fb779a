import { describe, expect, it } from 'vitest'
import {
  checkClusterFactsPush,
  MAX_CLUSTER_LABELS,
  MAX_NAMESPACE_DEFAULTS,
  mergeClusterFacts,
  sameClusterFacts,
} from '../../shared/cluster-facts.ts'

describe('checkClusterFactsPush', () => {
  it('accepts labels and namespace defaults', () => {
    const facts = {
      labels: { region: 'eu-west-1', 'topology.example.com/zone': 'a', empty: '' },
      namespaceDefaults: { shop: 'logger:v1, metrics', checkout: 'logger' },
    }
    expect(checkClusterFactsPush(facts)).toEqual({ ok: true, facts })
    expect(checkClusterFactsPush({})).toEqual({ ok: true, facts: {} })
  })

  const many = (n: number, value: string) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]))

  it.each([
    [[], 'cluster: must be an object with labels and namespaceDefaults'],
    [{ region: 'eu' }, 'cluster.region: unknown field; valid fields are labels, namespaceDefaults'],
    [{ labels: ['a'] }, 'cluster.labels: must be a map of strings'],
    [{ labels: { region: 7 } }, 'cluster.labels.region: must be a string'],
    [
      { labels: { 'bad key!': 'x' } },
      'cluster.labels.bad key!: key must be a label key ([prefix/]name)',
    ],
    [
      { labels: { 'Not_A.Domain/x': 'x' } },
      'cluster.labels.Not_A.Domain/x: key must be a label key ([prefix/]name)',
    ],
    [
      { labels: { region: 'eu west' } },
      'cluster.labels.region: must be a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."',
    ],
    [
      { labels: { region: 'x'.repeat(64) } },
      'cluster.labels.region: must be a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."',
    ],
    [
      { labels: many(MAX_CLUSTER_LABELS + 1, 'x') },
      `cluster.labels: holds ${MAX_CLUSTER_LABELS + 1} entries; at most ${MAX_CLUSTER_LABELS}`,
    ],
    [{ namespaceDefaults: 'shop=logger' }, 'cluster.namespaceDefaults: must be a map of strings'],
    [
      { namespaceDefaults: { Shop: 'logger' } },
      'cluster.namespaceDefaults.Shop: key must be a namespace name (a DNS label)',
    ],
    [
      { namespaceDefaults: { shop: 'a:b:c' } },
      'cluster.namespaceDefaults.shop: "a:b:c" has more than one ":"; expected name[:version]',
    ],
    [{ namespaceDefaults: { shop: '' } }, 'cluster.namespaceDefaults.shop: sidecar name is empty'],
    [
      { namespaceDefaults: { shop: 'x'.repeat(1025) } },
      'cluster.namespaceDefaults.shop: request is longer than 1024 characters',
    ],
    [
      { namespaceDefaults: many(MAX_NAMESPACE_DEFAULTS + 1, 'logger') },
      `cluster.namespaceDefaults: holds ${MAX_NAMESPACE_DEFAULTS + 1} entries; at most ${MAX_NAMESPACE_DEFAULTS}`,
    ],
  ])('refuses %j: %s', (value, message) => {
    expect(checkClusterFactsPush(value)).toEqual({ ok: false, message })
  })

  it('refuses a __proto__ key as JSON.parse makes it, without touching any prototype', () => {
    const body = JSON.parse('{"namespaceDefaults": {"__proto__": "logger"}}') as unknown
    expect(checkClusterFactsPush(body)).toEqual({
      ok: false,
      message: 'cluster.namespaceDefaults.__proto__: key must be a namespace name (a DNS label)',
    })
  })
})

describe('mergeClusterFacts', () => {
  const stored = { labels: { region: 'eu' }, namespaceDefaults: { shop: 'logger' } }
  it.each([
    ['no facts: keeps all', undefined, stored],
    [
      'labels only: keeps the defaults',
      { labels: { region: 'us' } },
      { labels: { region: 'us' }, namespaceDefaults: { shop: 'logger' } },
    ],
    ['empty defaults: clears them', { namespaceDefaults: {} }, { labels: { region: 'eu' } }],
    ['both', { labels: {}, namespaceDefaults: {} }, {}],
  ])('%s', (_, pushed, expected) => {
    expect(mergeClusterFacts(stored, pushed)).toEqual(expected)
  })

  it('compares regardless of key order, empty equal to absent', () => {
    expect(
      sameClusterFacts(
        { labels: { a: '1', b: '2' } },
        { labels: { b: '2', a: '1' }, namespaceDefaults: {} },
      ),
    ).toBe(true)
    expect(sameClusterFacts({ labels: { a: '1' } }, { labels: { a: '2' } })).toBe(false)
    expect(sameClusterFacts({ namespaceDefaults: { a: 'x' } }, {})).toBe(false)
  })
})
