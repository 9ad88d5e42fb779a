import type { JsonValue } from './json.ts'

/** A quantity as an exact fraction: `numerator / denominator`, the denominator positive. */
export interface Quantity {
  readonly numerator: bigint
  readonly denominator: bigint
}

// Kubernetes' grammar (apimachinery resource.Quantity): a signed decimal and one suffix, binary
// (Ki..Ei), decimal SI (n, u, m, k, M, G, T, P, E) or an integer exponent (e3, E-2).
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/
const BINARY: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 }
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
}
// Beyond this, the exact value would cost memory for nothing: no resource is 10^100 of anything.
const MAX_EXPONENT = 100

/**
 * Parses a Kubernetes quantity (`500m`, `64Mi`, `1.5`, `2e3`, or a JSON number) exactly;
 * `undefined` when Kubernetes would refuse it.
 */
export function parseQuantity(value: JsonValue | undefined): Quantity | undefined {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string') return undefined
  const match = QUANTITY.exec(text)
  if (match === null) return undefined
  const [, sign = '', whole = '', fraction = '', suffix = ''] = match
  if (whole === '' && fraction === '') return undefined
  let power10 = -fraction.length
  let power1024 = 0
  if (suffix in BINARY) power1024 = BINARY[suffix] ?? 0
  else if (suffix in DECIMAL) power10 += DECIMAL[suffix] ?? 0
  else if (suffix !== '') {
    const exponent = Number(suffix.slice(1))
    if (Math.abs(exponent) > MAX_EXPONENT) return undefined
    power10 += exponent
  }
  let numerator = BigInt(`${whole}${fraction}` || '0') * 1024n ** BigInt(power1024)
  if (sign === '-') numerator = -numerator
  return power10 >= 0
    ? { numerator: numerator * 10n ** BigInt(power10), denominator: 1n }
    : { numerator, denominator: 10n ** BigInt(-power10) }
}

/** Compares two quantities exactly: negative, zero or positive as `a` is less, equal or more. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator
  const right = b.numerator * a.denominator
  return left < right ? -1 : left > right ? 1 : 0
}
