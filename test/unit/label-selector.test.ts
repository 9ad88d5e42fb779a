import { describe, expect, it } from 'vitest'
import {
  formatLabelSelector,
  mergeLabelSelectors,
  parseLabelSelector,
} from '../../shared/label-selector.ts'

describe('parseLabelSelector', () => {
  it('takes keys that Object.prototype also has as plain labels', () => {
    const parsed = parseLabelSelector('constructor=a,toString=b')
    expect(parsed).toEqual({ ok: true, labels: { constructor: 'a', toString: 'b' } })
    expect(parsed.ok && Object.hasOwn(parsed.labels, 'constructor')).toBe(true)
    expect(mergeLabelSelectors(['constructor=a', 'constructor=a'])).toEqual({
      ok: true,
      labels: { constructor: 'a' },
    })
  })

  it.each([
    ['app=k8s-sidecar-injector', { app: 'k8s-sidecar-injector' }],
    ['app=x, tier=sidecars', { app: 'x', tier: 'sidecars' }],
    ['injector.tumblr.com/kind=config', { 'injector.tumblr.com/kind': 'config' }],
    ['empty=', { empty: '' }],
  ])('%s', (text, labels) => {
    expect(parseLabelSelector(text)).toEqual({ ok: true, labels })
  })

  it.each([
    ['', /empty/],
    ['app', /key=value/],
    ['=x', /key=value/],
    ['bad key=x', /label key/],
    ['Upper.Case/k=x', /prefix/],
    ['app=not valid', /label value/],
    ['app=a,app=b', /twice/],
  ])('refuses %j', (text, message) => {
    const result = parseLabelSelector(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toMatch(message)
  })
})

describe('formatLabelSelector', () => {
  it('sorts keys so the same selector always gives the same query', () => {
    expect(formatLabelSelector({ tier: 's', app: 'x' })).toBe('app=x,tier=s')
  })
})

describe('mergeLabelSelectors', () => {
  it.each([
    [['app=a', 'tier=web'], { app: 'a', tier: 'web' }],
    [['app=a,team=x', 'tier=web', 'zone=1'], { app: 'a', team: 'x', tier: 'web', zone: '1' }],
    [['app=a', 'app=a'], { app: 'a' }],
    [['app=a'], { app: 'a' }],
  ])('%j selects %j', (texts, labels) => {
    expect(mergeLabelSelectors(texts)).toEqual({ ok: true, labels })
  })

  it.each([
    [['app=a', 'app=b'], 'label "app" is given twice with different values'],
    [['app=a', 'tier'], '"tier" is not key=value'],
    [['app=a', ''], 'empty label selector (use key=value)'],
    [[], 'empty label selector (use key=value)'],
  ])('%j fails: %s', (texts, message) => {
    expect(mergeLabelSelectors(texts)).toEqual({ ok: false, message })
  })
})
