import { describe, expect, it } from 'vitest'
import { formatSidecarRef, parseSidecarRef } from '../../shared/sidecar-ref.ts'

describe('parseSidecarRef', () => {
  it.each([
    ['logger', 'logger:latest'],
    ['logger:v1', 'logger:v1'],
    ['Redis:7', 'redis:7'],
    ['  metrics : v2 '.replaceAll(' ', ''), 'metrics:v2'],
    [' logger:v1 ', 'logger:v1'],
    ['envoy:1.30.2', 'envoy:1.30.2'],
    ['a-b:release_3', 'a-b:release_3'],
    ['x'.repeat(63), `${'x'.repeat(63)}:latest`],
    // tumblr's injector read an empty version as the default.
    ['logger:', 'logger:latest'],
  ])('%j is %s', (text, canonical) => {
    const parsed = parseSidecarRef(text)
    expect(parsed.ok && formatSidecarRef(parsed.ref)).toBe(canonical)
  })

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['a:b:c', /more than one ":"/],
    [':v1', /empty name/],
    ['my_logger', /DNS label/],
    ['-logger', /DNS label/],
    ['logger.v1', /DNS label/],
    ['x'.repeat(64), /DNS label/],
    ['logger:v1/2', /version "v1\/2"/],
    ['logger:-v1', /version/],
  ])('%j is an error matching %s', (text, message) => {
    const parsed = parseSidecarRef(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.message).toMatch(message)
  })

  it('formats name:version', () => {
    expect(formatSidecarRef({ name: 'logger', version: 'latest' })).toBe('logger:latest')
  })
})
