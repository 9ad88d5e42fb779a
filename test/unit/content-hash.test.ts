import { createHash, webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashContent } from '../../shared/content-hash.ts'

describe('hashContent', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 text', async () => {
    expect(await hashContent('', webcrypto.subtle)).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
    for (const text of ['{"name":"logger"}', 'Grüße, 日本, 🚀']) {
      expect(await hashContent(text, webcrypto.subtle)).toBe(
        createHash('sha256').update(text, 'utf8').digest('hex'),
      )
    }
  })
})
