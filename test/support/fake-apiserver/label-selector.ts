import { badRequest } from './status.ts'

/** Object labels as stored in `metadata.labels`. */
export type Labels = Readonly<Record<string, string>>

/** A parsed label selector: a conjunction of requirements. */
export type LabelSelector = (labels: Labels) => boolean

type Operator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt'

// Tokens of apimachinery's labels lexer (k8s.io/apimachinery/pkg/labels/selector.go).
const SYMBOLS = ['!=', '==', '=', '!', '(', ')', ',', '<', '>']
const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>', ' ', '\t', '\n', '\r'])
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** Parses `labelSelector` text; throws a 400 StatusError naming the bad part, like the apiserver. */
export function parseLabelSelector(text: string): LabelSelector {
  const tokens = tokenize(text)
  const requirements: LabelSelector[] = []
  let i = 0
  const peek = (): string | undefined => tokens[i]
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why} (labelSelector "${text}")`)
  }
  while (i < tokens.length) {
    let op: Operator = 'exists'
    let key = tokens[i++] ?? ''
    if (key === '!') {
      op = '!'
      key = tokens[i++] ?? ''
    }
    checkKey(key, fail)
    let values: string[] = []
    const next = peek()
    if (op === '!' || next === undefined || next === ',') {
      // exists / does-not-exist requirement
    } else if (next === '=' || next === '==' || next === '!=') {
      op = next === '!=' ? '!=' : '='
      i++
      const value = peek()
      values = [value === undefined || value === ',' ? '' : (tokens[i++] ?? '')]
    } else if (next === 'in' || next === 'notin') {
      op = next
      i++
      if (tokens[i++] !== '(') fail(`expected "(" after "${next}" for key "${key}"`)
      while (peek() !== ')') {
        const value = tokens[i++]
        if (value === undefined) fail(`missing ")" for key "${key}"`)
        if (value === ',') continue
        values.push(value ?? '')
        if (peek() !== ',' && peek() !== ')') fail(`expected "," or ")" after "${value}"`)
      }
      i++
      if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`)
    } else if (next === '>' || next === '<') {
      op = next === '>' ? 'gt' : 'lt'
      i++
      const value = tokens[i++] ?? ''
      if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`)
      values = [value]
    } else {
      fail(`found '${next}', expected: '=', '!=', '==', 'in', notin'`)
    }
    for (const value of values) checkValue(value, fail)
    requirements.push(buildRequirement(key, op, values))
    const separator = tokens[i++]
    if (separator !== undefined && separator !== ',') fail(`found '${separator}', expected: ','`)
  }
  return (labels) => requirements.every((matches) => matches(labels))
}

function buildRequirement(key: string, op: Operator, values: readonly string[]): LabelSelector {
  const set = new Set(values)
  const first = Number(values[0])
  return (labels) => {
    const has = Object.hasOwn(labels, key)
    const value = labels[key] ?? ''
    switch (op) {
      case 'exists':
        return has
      case '!':
        return !has
      case '=':
      case 'in':
        return has && set.has(value)
      case '!=':
      case 'notin':
        return !has || !set.has(value)
      case 'gt':
        return has && /^-?\d+$/.test(value) && Number(value) > first
      case 'lt':
        return has && /^-?\d+$/.test(value) && Number(value) < first
      default:
        return op satisfies never
    }
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i] ?? ''
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i))
    if (symbol !== undefined) {
      tokens.push(symbol)
      i += symbol.length
      continue
    }
    let end = i
    while (end < text.length && !SPECIAL.has(text[end] ?? '')) end++
    tokens.push(text.slice(i, end))
    i = end
  }
  return tokens
}

function checkKey(key: string, fail: (why: string) => never): void {
  const slash = key.indexOf('/')
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined
  const name = slash >= 0 ? key.slice(slash + 1) : key
  if (SYMBOLS.includes(key) || key === '') fail(`expected a label key, found '${key}'`)
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) {
    fail(`key "${key}": prefix part must be a DNS-1123 subdomain`)
  }
  if (!NAME.test(name)) fail(`key "${key}": name part must be a valid label name`)
}

function checkValue(value: string, fail: (why: string) => never): void {
  if (value !== '' && !NAME.test(value)) {
    fail(
      `values[0]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
    )
  }
}
