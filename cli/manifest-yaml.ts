import { Document, parse, type Tags, visit } from 'yaml'

const MERGE = 'tag:yaml.org,2002:merge'

// Go's strconv.ParseInt with base 0, which go-yaml uses, also reads 0o17, 0b101 and 0x1F.
const GO_INT = /^[-+]?0[bBoOxX][0-9a-fA-F_]+$/

/**
 * True when a plain (unquoted) `text` would not read back as this string in some YAML reader
 * a manifest meets: YAML 1.1 as kubectl reads it (`on`, `yes`, `y`, `off`, `no`, `n` in any
 * case are booleans, `0755` is octal), YAML 1.2 core, and Go's integer syntax.
 */
export function isAmbiguousScalar(text: string): boolean {
  if (text.includes('\n')) return false
  if (text === '<<' || text === '=' || GO_INT.test(text)) return true
  return readsAs(text, '1.1') !== text || readsAs(text, '1.2') !== text
}

function readsAs(text: string, version: '1.1' | '1.2'): unknown {
  try {
    return parse(text, { version, logLevel: 'silent' })
  } catch {
    return undefined
  }
}

/**
 * Prints Kubernetes objects as YAML that kubectl reads exactly as the JSON they are: strings
 * that a YAML 1.1 or 1.2 reader could take for a boolean, number, null or date are quoted.
 */
export function stringifyManifest(value: unknown): string {
  const document = new Document(value, {
    version: '1.1',
    // Without the merge tag a `<<` string is a plain string, which the visitor then quotes.
    customTags: withoutMerge,
    aliasDuplicateObjects: false,
  })
  visit(document, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && isAmbiguousScalar(node.value)) {
        node.type = 'QUOTE_DOUBLE'
      }
    },
  })
  return document.toString({ lineWidth: 0 })
}

function withoutMerge(tags: Tags): Tags {
  return tags.filter((tag) => {
    const id = typeof tag === 'string' ? tag : tag.tag
    return id !== 'merge' && id !== MERGE
  })
}
