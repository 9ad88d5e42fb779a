import { describe, expect, it } from 'vitest'
import {
  formatInjectedAnnotation,
  injectedAnnotationKey,
  parseInjectedAnnotation,
} from '../../shared/injected-annotation.ts'

describe('injected annotation', () => {
  it('names the key under the annotation namespace', () => {
    expect(injectedAnnotationKey('injector.tumblr.com')).toBe('injector.tumblr.com/injected')
  })

  it('formats configs in order with the first 8 hex digits of each hash', () => {
    const text = formatInjectedAnnotation([
      {
        config: 'logger:v1',
        hash: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
      },
      { config: 'metrics:latest', hash: 'ffeeddccbbaa' },
    ])
    expect(text).toBe('logger:v1@0a1b2c3d,metrics:latest@ffeeddcc')
    expect(parseInjectedAnnotation(text)).toEqual([
      { config: 'logger:v1', hash: '0a1b2c3d' },
      { config: 'metrics:latest', hash: 'ffeeddcc' },
    ])
  })

  it.each([
    ['no hash', 'logger:v1', []],
    ['a short hash', 'logger:v1@abc', []],
    ['a hash that is not hex', 'logger:v1@zzzzzzzz', []],
    ['an empty name', '@0a1b2c3d', []],
    [
      'a bad ref among good ones',
      'a:b:c@0a1b2c3d, Logger@0A1B2C3D',
      [{ config: 'logger:latest', hash: '0a1b2c3d' }],
    ],
    ['an empty annotation', '', []],
  ])('skips %s', (_, text, expected) => {
    expect(parseInjectedAnnotation(text)).toEqual(expected)
  })
})
