import { parseRequestAnnotation } from '../shared/request-annotation.ts'

/** What the relay keeps of one namespace: its name and its default request, if any. */
export interface NamespaceRecord {
  readonly name: string
  readonly resourceVersion?: string
  /** The trimmed text of the `{annotation namespace}/request` annotation, when valid. */
  readonly request?: string
  /** Why the annotation was refused, when it is present but not a valid request. */
  readonly problem?: string
}

/** Checks an annotation's request text as a pod's own is read (shared/request-annotation.ts). */
export function checkNamespaceRequest(
  text: string,
):
  | { readonly ok: true; readonly request: string }
  | { readonly ok: false; readonly message: string } {
  const request = text.trim()
  const parsed = parseRequestAnnotation(request)
  return parsed.ok ? { ok: true, request } : parsed
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

/** The defaults to push: namespace name to request, names sorted so equal sets are equal bodies. */
export function collectNamespaceDefaults(
  records: readonly NamespaceRecord[],
): Record<string, string> {
  const defaults: Record<string, string> = {}
  const named = records.filter((record) => record.request !== undefined && record.name !== '')
  for (const record of named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    defaults[record.name] = record.request ?? ''
  }
  return defaults
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  const parent =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  const child = Object.hasOwn(parent, key) ? parent[key] : undefined
  return typeof child === 'object' && child !== null && !Array.isArray(child)
    ? (child as Record<string, unknown>)
    : {}
}
