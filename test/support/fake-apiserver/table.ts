import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import { humanDuration } from './human-duration.ts'
import type { ResourceDefinition } from './resource.ts'
import { asObject } from './store.ts'

/** How a client asked for server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface TableRequest {
  readonly apiVersion: string
  /** `includeObject`: None, Metadata (default) or Object. */
  readonly includeObject: string
}

/** The Table the client prefers, if its Accept header asks for one (first match wins, as in negotiation). */
export function negotiateTable(
  accept: string | undefined,
  query: URLSearchParams,
): TableRequest | undefined {
  for (const range of (accept ?? '').split(',')) {
    const params = new Map(
      range
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    )
    if (params.get('as') !== 'Table' || params.get('g') !== 'meta.k8s.io') continue
    const version = params.get('v')
    if (version !== 'v1' && version !== 'v1beta1') continue
    return {
      apiVersion: `meta.k8s.io/${version}`,
      includeObject: query.get('includeObject') ?? 'Metadata',
    }
  }
  return undefined
}

const column = (name: string, format = ''): JsonObject => ({
  name,
  type: 'string',
  format,
  description: '',
  priority: 0,
})

// Columns of the apiserver's printers (pkg/printers/internalversion) for ConfigMaps and core
// Events; anything else gets Name and Age.
function columnsOf(resource: ResourceDefinition): JsonObject[] {
  switch (resource.id) {
    case 'configmaps':
      return [column('Name', 'name'), column('Data'), column('Age')]
    case 'events':
      return ['Last Seen', 'Type', 'Reason', 'Object', 'Message'].map((name) => column(name))
    default:
      return [column('Name', 'name'), column('Age')]
  }
}

function cellsOf(resource: ResourceDefinition, object: JsonObject, now: number): JsonValue[] {
  const metadata = asObject(object.metadata)
  const since = (timestamp: JsonValue | undefined): string => {
    const at = Date.parse(String(timestamp ?? ''))
    return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at)
  }
  const age = since(metadata.creationTimestamp)
  const name = metadata.name ?? ''
  switch (resource.id) {
    case 'configmaps': {
      const data = Object.keys(asObject(object.data)).length
      return [name, data + Object.keys(asObject(object.binaryData)).length, age]
    }
    case 'events': {
      const involved = asObject(object.involvedObject)
      const target = `${String(involved.kind ?? '').toLowerCase()}/${String(involved.name ?? '')}`
      const last = object.lastTimestamp ?? object.eventTime ?? metadata.creationTimestamp
      return [since(last), object.type ?? '', object.reason ?? '', target, object.message ?? '']
    }
    default:
      return [name, age]
  }
}

function rowObject(table: TableRequest, object: JsonObject): JsonObject | undefined {
  if (table.includeObject === 'None') return undefined
  if (table.includeObject === 'Object') return object
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: asObject(object.metadata),
  }
}

/** Renders objects as a meta.k8s.io Table; `headers: false` leaves out the column definitions. */
export function buildTable(
  resource: ResourceDefinition,
  table: TableRequest,
  objects: readonly JsonObject[],
  listMeta: JsonObject,
  headers = true,
): JsonObject {
  const now = Date.now()
  return {
    kind: 'Table',
    apiVersion: table.apiVersion,
    metadata: listMeta,
    columnDefinitions: headers ? columnsOf(resource) : [],
    rows: objects.map((object) => {
      const row: JsonObject = { cells: cellsOf(resource, object, now) }
      const included = rowObject(table, object)
      if (included !== undefined) row.object = included
      return row
    }),
  }
}
