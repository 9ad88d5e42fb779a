import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isAscii } from '../../shared/base64.ts'
import type { JsonValue } from '../../shared/json.ts'
import { formatPatch } from '../../shared/patch-text.ts'
import type { PatchOp } from '../../shared/types.ts'

describe('formatPatch', () => {
  const shared = { name: 'logger', image: 'fluent-bit', env: [{ name: 'A', value: '1' }] }

  it.each<[string, PatchOp[]]>([
    ['an empty patch', []],
    [
      'adds, a remove and a replace',
      [
        { op: 'add', path: '/spec/containers/-', value: shared },
        { op: 'remove', path: '/spec/containers/0/volumeMounts/1' },
        { op: 'replace', path: '/spec/hostNetwork', value: true },
        { op: 'add', path: '/spec/volumes', value: [shared, { name: 'v', emptyDir: {} }] },
        { op: 'add', path: '/metadata/annotations/injector.tumblr.com~1status', value: 'injected' },
        { op: 'add', path: '/spec/priority', value: null },
        { op: 'add', path: '/spec/terminationGracePeriodSeconds', value: 30 },
      ],
    ],
    [
      'a path with a quote and a backslash',
      [{ op: 'add', path: '/metadata/labels/a"b\\c', value: 'x' }],
    ],
  ])('writes %s exactly as JSON.stringify', (_, patch) => {
    expect(formatPatch(patch)).toEqual({ text: JSON.stringify(patch), ascii: true })
    // The second time comes from kept texts, and must not differ.
    expect(formatPatch(patch).text).toBe(JSON.stringify(patch))
  })

  it.each<[string, PatchOp[]]>([
    ['a value', [{ op: 'add', path: '/metadata/annotations/note', value: { text: 'café' } }]],
    ['a value in a list', [{ op: 'add', path: '/spec/volumes', value: [{ name: '卷' }] }]],
    ['a path', [{ op: 'add', path: '/metadata/labels/ü', value: 'x' }]],
    ['a string', [{ op: 'add', path: '/metadata/annotations/n', value: 'naïve' }]],
  ])('says when %s is not ASCII', (_, patch) => {
    expect(formatPatch(patch)).toEqual({ text: JSON.stringify(patch), ascii: false })
  })

  it('agrees with JSON.stringify on any patch', () => {
    const op = fc.record({
      op: fc.constantFrom('add', 'replace'),
      path: fc.string({ unit: 'binary' }),
      value: fc.jsonValue() as fc.Arbitrary<JsonValue>,
    }) as fc.Arbitrary<PatchOp>
    fc.assert(
      fc.property(fc.array(op, { maxLength: 5 }), (patch) => {
        const text = JSON.stringify(patch)
        expect(formatPatch(patch)).toEqual({ text, ascii: isAscii(text) })
      }),
    )
  })
})
