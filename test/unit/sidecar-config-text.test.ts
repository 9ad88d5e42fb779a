import { describe, expect, it } from 'vitest'
import { parseSidecarConfig } from '../../shared/sidecar-config.ts'
import { brokenConfigText, sidecarConfigText } from '../support/sidecar-config-text.ts'

describe('scenario config texts', () => {
  it('writes a valid config named after its sidecar', () => {
    const parsed = parseSidecarConfig(sidecarConfigText({ name: 'logger', revision: 7 }))
    expect(parsed.ok && parsed.config).toMatchObject({
      name: 'logger',
      version: 'v1',
      containers: [{ name: 'logger', env: [{ name: 'REVISION', value: '7' }] }],
    })
  })

  it.each(['yaml', 'schema'] as const)('writes a %s error the parser rejects', (kind) => {
    const parsed = parseSidecarConfig(brokenConfigText(kind, { name: 'bad', revision: 1 }))
    expect(parsed.ok).toBe(false)
  })
})
