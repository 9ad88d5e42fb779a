import { describe, expect, it } from 'vitest'
import { formatLabelSelector, parseLabelSelector } from '../../shared/label-selector.ts'

describe('parseLabelSelector', () => {
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
