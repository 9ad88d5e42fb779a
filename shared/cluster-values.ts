import { isQualifiedName } from './metadata-map.ts'

/** A part of a string with cluster variables: literal text, the cluster's name, or one label. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'name' }
  | { readonly kind: 'label'; readonly key: string }

/** The escape: `$${` is a literal `${`, so `$${cluster.name}` stays as written, less one `$`. */
export const ESCAPED_OPENING = '$${'

// `${` opens one of our variables only before `cluster.` or `cluster}`: a shell's `${HOME}` in
// args or command is left as it is, as is Kubernetes' own `$(VAR)`.
const OURS = /^\s*cluster\s*[.}]/

/** Whether `text` may hold a variable or an escape: the cheap test before any parsing. */
export function mayHoldVariables(text: string): boolean {
  return text.includes('${')
}

/**
 * Splits `text` into literal parts and `${cluster.name}` / `${cluster.labels.<key>}` variables;
 * an unknown `${cluster.…}` variable or an unclosed one is an error naming it.
 */
export function parseTemplate(
  text: string,
): { ok: true; parts: readonly TemplatePart[] } | { ok: false; message: string } {
  const parts: TemplatePart[] = []
  let literal = ''
  let at = 0
  while (at < text.length) {
    const open = text.indexOf('${', at)
    if (open < 0) break
    if (open > 0 && text[open - 1] === '$') {
      // `$${`: the text up to the first `$`, then a literal `${`.
      literal += `${text.slice(at, open - 1)}\${`
      at = open + 2
      continue
    }
    literal += text.slice(at, open)
    const rest = text.slice(open + 2)
    if (!OURS.test(rest)) {
      literal += '${'
      at = open + 2
      continue
    }
    const close = rest.indexOf('}')
    if (close < 0) {
      return { ok: false, message: `"\${${rest}" is not closed with "}"` }
    }
    const name = rest.slice(0, close).trim()
    const part = readVariable(name)
    if (typeof part === 'string') return { ok: false, message: part }
    if (literal !== '') parts.push({ kind: 'text', text: literal })
    literal = ''
    parts.push(part)
    at = open + 2 + close + 1
  }
  literal += text.slice(at)
  if (literal !== '') parts.push({ kind: 'text', text: literal })
  return { ok: true, parts }
}

function readVariable(name: string): TemplatePart | string {
  if (name === 'cluster.name') return { kind: 'name' }
  const prefix = 'cluster.labels.'
  if (name.startsWith(prefix)) {
    const key = name.slice(prefix.length)
    if (isQualifiedName(key)) return { kind: 'label', key }
    return `"\${${name}}": "${key}" is not a label key ([prefix/]name)`
  }
  return `unknown variable "\${${name}}"; the variables are \${cluster.name} and \${cluster.labels.<key>} (write $\${ for a literal \${)`
}

/** What a variable is replaced with: the cluster's name and labels. */
export interface TemplateValues {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
}

/** Joins the parts with `values`; a label the cluster lacks is an error naming it. */
export function fillTemplate(
  parts: readonly TemplatePart[],
  values: TemplateValues,
): { ok: true; text: string } | { ok: false; message: string } {
  let text = ''
  for (const part of parts) {
    if (part.kind === 'text') text += part.text
    else if (part.kind === 'name') text += values.name
    else {
      const { labels } = values
      const value = Object.hasOwn(labels, part.key) ? labels[part.key] : undefined
      if (value === undefined) {
        return {
          ok: false,
          message: `cluster label "${part.key}" is not set on cluster "${values.name}" (\${cluster.labels.${part.key}})`,
        }
      }
      text += value
    }
  }
  return { ok: true, text }
}
