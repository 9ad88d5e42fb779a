import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeReview, encodeResponse, ReviewError } from '../../shared/admission-review.ts'
import { encodeBase64Utf8 } from '../../shared/base64.ts'
import type { Decision } from '../../shared/types.ts'

const request = {
  uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  operation: 'CREATE',
  namespace: 'apps',
  object: { metadata: { name: 'web' }, spec: { containers: [] } },
}
const review = (apiVersion: string) => ({ apiVersion, kind: 'AdmissionReview', request })
const inject: Decision = {
  kind: 'inject',
  configs: ['logger:v1', 'metrics:latest'],
  patch: [
    {
      op: 'add',
      path: '/metadata/annotations',
      value: { 'injector.tumblr.com/status': 'injected' },
    },
  ],
  warnings: ['config "clash:latest" not injected: the pod already has a container named "app"'],
}
const skip: Decision = { kind: 'skip', reason: 'no_request', detail: 'no annotation', warnings: [] }

describe('decodeReview', () => {
  it.each(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'])('reads %s', (apiVersion) => {
    expect(decodeReview(review(apiVersion))).toEqual({
      apiVersion,
      request: {
        uid: request.uid,
        kind: request.kind,
        operation: 'CREATE',
        namespace: 'apps',
        object: request.object,
      },
    })
  })

  it.each([
    [null, 'body must be a JSON object (an AdmissionReview)'],
    [[], 'body must be a JSON object (an AdmissionReview)'],
    [
      { ...review('admission.k8s.io/v1'), kind: 'Pod' },
      'kind must be "AdmissionReview", got "Pod"',
    ],
    [{ apiVersion: 'admission.k8s.io/v1', request }, 'kind must be "AdmissionReview", got nothing'],
    [
      review('admission.k8s.io/v2'),
      'apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got "admission.k8s.io/v2"',
    ],
    [
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      'request is missing or not an object',
    ],
    [
      { ...review('admission.k8s.io/v1'), request: { ...request, uid: '' } },
      'request.uid is missing',
    ],
    [
      { ...review('admission.k8s.io/v1'), request: { ...request, uid: undefined } },
      'request.uid is missing',
    ],
    [
      { ...review('admission.k8s.io/v1'), request: { ...request, kind: 'Pod' } },
      'request.kind must be an object with group, version and kind strings',
    ],
    [
      { ...review('admission.k8s.io/v1'), request: { ...request, operation: 1 } },
      'request.operation is missing',
    ],
    [
      { ...review('admission.k8s.io/v1'), request: { ...request, object: 'pod' } },
      'request.object must be an object',
    ],
  ])('rejects %j: %s', (body, message) => {
    expect(() => decodeReview(body)).toThrow(new ReviewError(message))
    expect(() => decodeReview(body)).toThrow(ReviewError)
  })

  it('keeps dryRun and omits an absent namespace', () => {
    const decoded = decodeReview({
      ...review('admission.k8s.io/v1'),
      request: { ...request, namespace: undefined, dryRun: true },
    })
    expect(decoded.request.dryRun).toBe(true)
    expect('namespace' in decoded.request).toBe(false)
  })
})

describe('encodeResponse', () => {
  it('answers v1 with the uid, a base64 JSON Patch, warnings and audit annotations', () => {
    const out = encodeResponse(decodeReview(review('admission.k8s.io/v1')), inject)
    expect(out).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: request.uid,
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(inject.patch)).toString('base64'),
        warnings: inject.warnings,
        auditAnnotations: { 'injected-configs': 'logger:v1,metrics:latest' },
      },
    })
  })

  it('answers v1beta1 in v1beta1, without audit annotations', () => {
    const out = encodeResponse(decodeReview(review('admission.k8s.io/v1beta1')), inject)
    expect(out.apiVersion).toBe('admission.k8s.io/v1beta1')
    expect(out.response).toMatchObject({ uid: request.uid, allowed: true, patchType: 'JSONPatch' })
    expect(Object.keys(out.response as object)).not.toContain('auditAnnotations')
  })

  it('sends no patch fields when skipping', () => {
    const out = encodeResponse(decodeReview(review('admission.k8s.io/v1')), skip)
    expect(out.response).toEqual({ uid: request.uid, allowed: true })
  })

  it('sends skip warnings and cuts long ones', () => {
    const long = 'x'.repeat(400)
    const out = encodeResponse(decodeReview(review('admission.k8s.io/v1')), {
      ...skip,
      reason: 'missing_config',
      warnings: ['config "ghost:latest" not found', long],
    })
    expect((out.response as { warnings: string[] }).warnings).toEqual([
      'config "ghost:latest" not found',
      `${'x'.repeat(253)}...`,
    ])
  })
})

describe('encodeBase64Utf8', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['é€😀', Buffer.from('é€😀', 'utf8').toString('base64')],
  ])('encodes %j as %s', (text, expected) => {
    expect(encodeBase64Utf8(text)).toBe(expected)
  })

  it('encodes a lone surrogate as U+FFFD, as TextEncoder does', () => {
    expect(encodeBase64Utf8('a\ud800b')).toBe(
      Buffer.from(new TextEncoder().encode('a\ud800b')).toString('base64'),
    )
  })

  it('agrees with Buffer for long text of every kind of character', () => {
    const text = `{"a":"${'x'.repeat(5000)}é€😀\ud800${'y'.repeat(9000)}"}`
    expect(encodeBase64Utf8(text)).toBe(
      Buffer.from(new TextEncoder().encode(text)).toString('base64'),
    )
  })

  it('agrees with TextEncoder + Buffer for any UTF-16 string, lone surrogates included', () => {
    const char16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
    fc.assert(
      fc.property(fc.string({ unit: char16, maxLength: 64 }), (text) => {
        expect(encodeBase64Utf8(text)).toBe(
          Buffer.from(new TextEncoder().encode(text)).toString('base64'),
        )
      }),
    )
  })

  it('agrees with Buffer for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(encodeBase64Utf8(text)).toBe(
          Buffer.from(new TextEncoder().encode(text)).toString('base64'),
        )
      }),
    )
  })
})
