import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareQuantities, parseQuantity } from '../../shared/quantity.ts'

const compare = (a: string | number, b: string | number): number => {
  const left = parseQuantity(a)
  const right = parseQuantity(b)
  if (left === undefined || right === undefined) throw new Error(`not quantities: ${a}, ${b}`)
  return compareQuantities(left, right)
}

describe('Kubernetes quantities', () => {
  it.each([
    ['1', '1000m', 0],
    ['0.5', '500m', 0],
    ['.5', '500m', 0],
    ['5.', '5', 0],
    ['1Ki', '1024', 0],
    ['1Gi', '1073741824', 0],
    ['1Gi', '1000Mi', 1],
    ['1G', '1Gi', -1],
    ['1e3', '1k', 0],
    ['1E3', '1000', 0],
    ['1E', '1e18', 0],
    ['2e-3', '2m', 0],
    ['1n', '0.000000001', 0],
    ['1u', '1000n', 0],
    ['+1', '1', 0],
    ['-1', '0', -1],
    ['100.0001m', '0.1', 1],
    ['0.1000001', '100m', 1],
    ['1.5Gi', '1536Mi', 0],
    [2, '2000m', 0],
    [0.25, '250m', 0],
    ['123456789012345678901234567890', '123456789012345678901234567891', -1],
  ] as const)('%s compared with %s is %d', (a, b, expected) => {
    expect(compare(a, b)).toBe(expected)
    expect(compare(b, a)).toBe(expected === 0 ? 0 : -expected)
  })

  it.each([
    '',
    'lots',
    '1d',
    '1da',
    '1h',
    '64MB',
    '1 Gi',
    '1.2.3',
    '.',
    '-',
    'e3',
    '1e',
    '1e1.5',
    '0x10',
    '1e101',
    'Ki',
    true,
    null,
  ])('%j is not one', (value) => {
    expect(parseQuantity(value)).toBeUndefined()
  })

  it('orders like the numbers they are, for plain decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        (a, b) => {
          expect(Math.sign(compare(`${a}m`, `${b / 1000}`))).toBe(Math.sign(a - b))
        },
      ),
    )
  })
})
