import { checkDefaultRequest, MAX_NAMESPACE_DEFAULTS } from '../shared/cluster-facts.ts'

/** What the relay keeps of one namespace: its name and its default request, if any. */
export interface NamespaceRecord {
  readonly name: string
  readonly resourceVersion?: string
  /** The trimmed text of the `{annotation namespace}/request` annotation, when valid. */
  readonly request?: string
  /** Why the annotation was refused, when it is present but not a valid request. */
  readonly problem?: string
}

/** Checks an annotation's request text as the Worker checks a namespace default (shared/cluster-facts.ts). */
export function checkNamespaceRequest(
  text: string,
):
  | { readonly ok: true; readonly request: string }
  | { readonly ok: false; readonly message: string } {
  const request = text.trim()
  const problem = checkDefaultRequest(request)
  return problem === undefined ? { ok: true, request } : { ok: false, message: problem }
}

/**
 * Reads a Namespace object (a list item or a watch event's object) into a record, keeping only
 * the request annotation `requestKey`; an empty annotation counts as none.
 */
export function readNamespaceRecord(object: unknown, requestKey: string): NamespaceRecord {
  const metadata = objectAt(object, 'metadata')
  const name = typeof metadata.name === 'string' ? metadata.name : ''
  const resourceVersion =
    typeof metadata.resourceVersion === 'string'
      ? { resourceVersion: metadata.resourceVersion }
      : {}
  const annotations = objectAt(metadata, 'annotations')
  // An own property only: an annotation map is untrusted input.
  const text = Object.hasOwn(annotations, requestKey) ? annotations[requestKey] : undefined
  if (typeof text !== 'string' || text.trim() === '') return { name, ...resourceVersion }
  const checked = checkNamespaceRequest(text)
  return checked.ok
    ? { name, ...resourceVersion, request: checked.request }
    : { name, ...resourceVersion, problem: `${requestKey}: ${checked.message}` }
}

/**
 * The defaults to push: namespace name to request, names sorted so equal sets are equal bodies.
 * A push holds at most `max` (the Worker's limit); the namespaces past it, by name, are `left`.
 */
export function collectNamespaceDefaults(
  records: readonly NamespaceRecord[],
  max = MAX_NAMESPACE_DEFAULTS,
): { defaults: Record<string, string>; left: readonly string[] } {
  const defaults: Record<string, string> = {}
  const named = records.filter((record) => record.request !== undefined && record.name !== '')
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const record of named.slice(0, max)) defaults[record.name] = record.request ?? ''
  return { defaults, left: named.slice(max).map((record) => record.name) }
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  const parent =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  const child = Object.hasOwn(parent, key) ? parent[key] : undefined
  return typeof child === 'object' && child !== null && !Array.isArray(child)
    ? (child as Record<string, unknown>)
    : {}
}
