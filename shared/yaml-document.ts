import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
  type ScalarTag,
  type Tags,
  visit,
  type YAMLError,
} from 'yaml'
import { FORBIDDEN_KEYS } from './config-check.ts'
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts'
import { ParseBudgetExceeded, type ParseLimits, utf8Length } from './parse-limits.ts'
import type { ConfigIssue } from './types.ts'

/** The result of reading one YAML (or JSON) document. */
export type YamlReadResult =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

class ReadFailure extends Error {
  readonly path: string
  constructor(path: string, message: string) {
    super(message)
    this.path = path
  }
}

/** Reads exactly one YAML document as plain JSON data, within `limits`. JSON is YAML 1.2. */
export function readYamlDocument(text: string, limits: ParseLimits): YamlReadResult {
  const bytes = utf8Length(text)
  if (bytes > limits.maxBytes) {
    return fail('', `document is ${bytes} bytes; the limit is ${limits.maxBytes}`)
  }
  // Composing documents recurses per level, and parsing a deeply nested stream is slow. A lexer
  // pass refuses deep `[[[[` and `- - - -` at once; the syntax tree is measured before composing.
  if (lexicalDepth(text, limits.maxDepth) > limits.maxDepth) {
    return fail('', `nesting is deeper than ${limits.maxDepth} levels`)
  }
  const lineCounter = new LineCounter()
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)]
  if (collectionDepth(tokens, limits.maxDepth) > limits.maxDepth) {
    return fail('', `nesting is deeper than ${limits.maxDepth} levels`)
  }
  const composer = new Composer({
    // YAML 1.1 as Kubernetes and tumblr read it (`defaultMode: 0644` is octal), without the
    // 1.1 types no Kubernetes reader has: timestamps and `1:30` stay strings.
    version: '1.1',
    customTags: keepKubernetesTags,
    // Checked while converting, in constant time per key: the package compares each key with
    // every earlier one, which takes seconds for a map of 40,000 keys.
    uniqueKeys: false,
  })
  // A stray `---` before or after the config makes an empty document: not a second config.
  const documents = [...composer.compose(tokens), ...composer.end()].filter(
    (doc) => !isEmptyDocument(doc) || doc.errors.length > 0 || doc.warnings.length > 0,
  )
  for (const doc of documents) {
    for (const error of [...doc.errors, ...doc.warnings]) addPosition(error, lineCounter)
  }
  if (documents.length === 0) return fail('', 'document is empty')
  if (documents.length > 1) {
    return fail('', `found ${documents.length} YAML documents; a config is exactly one document`)
  }
  const [document] = documents
  if (document === undefined) return fail('', 'document is empty')
  const errors = [...document.errors, ...document.warnings]
  if (errors.length > 0) {
    return {
      ok: false,
      issues: errors.map((error) => ({ path: '', message: describeYamlError(error) })),
    }
  }
  if (isEmptyDocument(document)) return fail('', 'document is empty')
  try {
    const state = { anchors: anchorTargets(document), size: 0, limits, lineCounter }
    return { ok: true, value: toJson(document.contents, '', 1, state) }
  } catch (error) {
    if (error instanceof ReadFailure) return fail(error.path, error.message)
    throw error
  }
}

const KEPT_TAGS = new Set(['map', 'seq', 'str', 'null', 'bool', 'int', 'float', 'binary', 'merge'])

// The `yaml` package's 1.1 floats accept `E0` and `.` (no digits), which then read as NaN; these
// need a digit, as in go-yaml, so an env var named `E1` stays a string.
const FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/

function keepKubernetesTags(tags: Tags): Tags {
  const kept: Tags = []
  for (const tag of tags) {
    if (typeof tag === 'string') {
      if (KEPT_TAGS.has(tag)) kept.push(tag)
      continue
    }
    const name = tag.tag.replace('tag:yaml.org,2002:', '')
    if (!KEPT_TAGS.has(name) || tag.format === 'TIME') continue
    const scalar = tag as ScalarTag
    const test = name === 'float' ? scalar.test : undefined
    if (test !== undefined && !test.test('.inf') && !test.test('.nan')) {
      kept.push({ ...scalar, test: scalar.format === 'EXP' ? FLOAT_EXP : FLOAT })
    } else kept.push(tag)
  }
  return kept
}

function fail(path: string, message: string): YamlReadResult {
  return { ok: false, issues: [{ path, message }] }
}

function describeYamlError(error: {
  message: string
  code: string
  linePos?: [{ line: number; col: number }] | [{ line: number; col: number }, unknown]
}): string {
  // The first line ends with the position: `... at line 3, column 5:`.
  const first = (error.message.split('\n')[0] ?? error.message).replace(/:$/, '')
  if (error.code === 'RESOURCE_EXHAUSTION') return `YAML is too deeply nested: ${first}`
  return `invalid YAML: ${first}`
}

interface WalkState {
  /** What each alias names, found in one pass (the `yaml` package walks the whole document per alias). */
  readonly anchors: ReadonlyMap<Alias, Node>
  /** JSON bytes produced so far, aliases expanded each time they are used. */
  size: number
  readonly limits: ParseLimits
  readonly lineCounter: LineCounter
}

/**
 * Counts `bytes` more of the result and fails past the limit. The count grows with every
 * expansion of an alias, so the work and memory of converting are bounded by the limit, however
 * few aliases a document uses; merged-away keys count too, which only makes it stricter.
 */
function grow(state: WalkState, bytes: number): void {
  const { budget } = state.limits
  if (budget !== undefined) {
    budget.remaining -= bytes
    if (budget.remaining < 0) throw new ParseBudgetExceeded(budget.limit)
  }
  state.size += bytes
  if (state.size > state.limits.maxJsonBytes) {
    throw new ReadFailure(
      '',
      `config is larger than ${state.limits.maxJsonBytes} bytes as JSON (YAML aliases expanded)`,
    )
  }
}

/** JSON bytes of a scalar or a key: its text, quotes and escapes included. */
function jsonBytes(value: string | number | boolean | null): number {
  return typeof value === 'string' ? utf8Length(JSON.stringify(value)) : String(value).length
}

function toJson(node: Node | null, path: string, depth: number, state: WalkState): JsonValue {
  if (node === null) {
    grow(state, 4)
    return null
  }
  if (isAlias(node)) {
    const target = state.anchors.get(node)
    if (target === undefined) throw new ReadFailure(path, `unknown YAML alias *${node.source}`)
    return toJson(target, path, depth, state)
  }
  if (isScalar(node)) {
    const value = scalarToJson(node.value, path)
    grow(state, jsonBytes(value))
    return value
  }
  if (depth > state.limits.maxDepth) {
    throw new ReadFailure(path, `nesting is deeper than ${state.limits.maxDepth} levels`)
  }
  if (isSeq(node)) {
    // Brackets and commas.
    grow(state, 1 + Math.max(1, node.items.length))
    return node.items.map((item, i) =>
      toJson(item as Node | null, `${path}[${i}]`, depth + 1, state),
    )
  }
  if (isMap(node)) {
    grow(state, 1 + Math.max(1, node.items.length))
    const object: JsonObject = {}
    const merged: JsonObject[] = []
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null
      if (isMergeKey(keyNode)) {
        merged.push(...mergeSources(pair.value as Node | null, path, depth, state))
        continue
      }
      const key = keyText(keyNode, path)
      const childPath = path === '' ? key : `${path}.${key}`
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ReadFailure(childPath, `key "${key}" is not allowed`)
      }
      if (Object.hasOwn(object, key)) {
        const { line, col } = state.lineCounter.linePos(keyNode?.range?.[0] ?? 0)
        throw new ReadFailure(
          '',
          `invalid YAML: Map keys must be unique at line ${line}, column ${col}`,
        )
      }
      // The key, its quotes and the colon.
      grow(state, jsonBytes(key) + 1)
      object[key] = toJson(pair.value as Node | null, childPath, depth + 1, state)
    }
    // `<<` merges: keys written in the map win, then earlier sources over later ones.
    for (const source of merged) {
      for (const [key, value] of Object.entries(source)) {
        if (!Object.hasOwn(object, key)) object[key] = value
      }
    }
    return object
  }
  throw new ReadFailure(path, 'unsupported YAML node')
}

/**
 * The node each alias refers to: the last node before it with that anchor, as YAML defines
 * it, found in one walk of the document in order.
 */
function anchorTargets(document: Document.Parsed): Map<Alias, Node> {
  const latest = new Map<string, Node>()
  const targets = new Map<Alias, Node>()
  visit(document, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = latest.get(node.source)
        if (target !== undefined) targets.set(node, target)
      } else if (node.anchor !== undefined) latest.set(node.anchor, node)
    },
  })
  return targets
}

function isMergeKey(node: Node | null): boolean {
  return node !== null && isScalar(node) && typeof node.value === 'symbol'
}

/** The maps a `<<` key merges: one map or a list of maps, usually aliases. */
function mergeSources(
  node: Node | null,
  path: string,
  depth: number,
  state: WalkState,
): JsonObject[] {
  const value = toJson(node, path, depth, state)
  const sources = Array.isArray(value) ? value : [value]
  return sources.map((source) => {
    if (!isJsonObject(source))
      throw new ReadFailure(path, '"<<" must merge a map or a list of maps')
    return source
  })
}

function keyText(node: Node | null, path: string): string {
  if (node !== null && isScalar(node)) {
    const value = node.value
    if (typeof value === 'string') return value
    // Kubernetes' YAML reader turns plain non-string keys (`80:`, `true:`) into strings too.
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  }
  throw new ReadFailure(path, 'map keys must be strings')
}

function scalarToJson(value: unknown, path: string): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ReadFailure(path, 'number must be finite')
    return value
  }
  throw new ReadFailure(path, 'value is not plain JSON data (string, number, boolean or null)')
}

/**
 * A quick bound from the lexer, which knows quotes and comments: the deepest flow nesting
 * (`[`, `{`), and the most block indicators (`-`, `?`) opened on one line. Stops past `limit`.
 */
function lexicalDepth(text: string, limit: number): number {
  let flow = 0
  let onLine = 0
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') flow++
    else if ((token === ']' || token === '}') && flow > 0) flow--
    else if (token === '-' || token === '?') onLine++
    else if (token === '\n' || token === '\r\n') onLine = 0
    const depth = flow + onLine
    if (depth > limit) return depth
  }
  return 0
}

/**
 * Deepest nesting of collections (block or flow maps and lists) in the parsed syntax tree,
 * walked with an explicit stack; stops counting once past `limit`.
 */
function collectionDepth(tokens: readonly CST.Token[], limit: number): number {
  let max = 0
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 1])
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [token, depth] = next
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push([token.value, depth])
      continue
    }
    if (
      token.type !== 'block-map' &&
      token.type !== 'block-seq' &&
      token.type !== 'flow-collection'
    )
      continue
    if (depth > max) max = depth
    if (max > limit) return max
    for (const item of token.items) {
      if ('key' in item && item.key !== undefined && item.key !== null) {
        stack.push([item.key, depth + 1])
      }
      if (item.value !== undefined) stack.push([item.value, depth + 1])
    }
  }
  return max
}

/** A document with nothing written in it (only `---`, `...` or comments). */
function isEmptyDocument(document: Document.Parsed): boolean {
  const contents = document.contents
  return (
    contents === null || (isScalar(contents) && contents.value === null && contents.source === '')
  )
}

/** Appends `at line L, column C` to an error's message, as the `yaml` package's own API does. */
function addPosition(error: YAMLError, lineCounter: LineCounter): void {
  const { line, col } = lineCounter.linePos(error.pos[0])
  error.message = `${error.message} at line ${line}, column ${col}`
}
