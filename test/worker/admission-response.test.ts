import { describe, expect, it } from 'vitest'
import { decodeReview, encodeResponse } from '../../shared/admission-review.ts'
import { encodeBase64Utf8 } from '../../shared/base64.ts'
import type { Decision } from '../../shared/types.ts'
import { encodeAdmission, nativeBase64Utf8 } from '../../worker/admission/admission-response.ts'
import { podReview } from './harness.ts'

describe("the Worker's native base64", () => {
  it.each([
    [''],
    ['a'],
    ['ab'],
    ['abc'],
    ['[{"op":"add","path":"/spec/containers/-","value":{"name":"logger"}}]'],
    ['{"value":"café – 日本語"}'],
    ['emoji 🚀 and more'],
    ['lone \ud800 surrogate'],
    ['x'.repeat(10_000)],
  ])('matches the portable encoder on %j', (text) => {
    expect(nativeBase64Utf8(text)).toBe(encodeBase64Utf8(text))
  })

  it('gives the same AdmissionReview answer as the portable encoder', () => {
    const review = decodeReview(podReview('logger:v1'))
    const decision: Decision = {
      kind: 'inject',
      configs: ['logger:v1'],
      patch: [{ op: 'add', path: '/metadata/labels', value: { team: 'éq' } }],
      warnings: [],
    }
    expect(encodeAdmission(review, decision)).toEqual(encodeResponse(review, decision))
  })
})
