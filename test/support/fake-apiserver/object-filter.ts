import type { JsonObject } from '../../../shared/json.ts'
import { parseFieldSelector } from './field-selector.ts'
import { type Labels, parseLabelSelector } from './label-selector.ts'
import type { ResourceDefinition } from './resource.ts'
import { asObject } from './store.ts'

/** A predicate over stored objects built from a request's selectors. */
export type ObjectFilter = (object: JsonObject) => boolean

/** Combines `labelSelector`, `fieldSelector` and a single-object name; throws 400 on bad selectors. */
export function buildObjectFilter(
  resource: ResourceDefinition,
  query: URLSearchParams,
  name: string | undefined,
): ObjectFilter {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '')
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '', resource.fieldLabels)
  return (object) => {
    const metadata = asObject(object.metadata)
    if (name !== undefined && metadata.name !== name) return false
    return labels(labelsOf(metadata.labels)) && fields(object)
  }
}

function labelsOf(value: unknown): Labels {
  const labels: Record<string, string> = {}
  for (const [key, label] of Object.entries(asObject(value))) {
    if (typeof label === 'string') labels[key] = label
  }
  return labels
}
