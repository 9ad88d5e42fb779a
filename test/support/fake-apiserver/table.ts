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

const column = (name: string, format = '', priority = 0, type = 'string'): JsonObject => ({
  name,
  type,
  format,
  description: '',
  priority,
})

// Columns of the apiserver's printers (pkg/printers/internalversion) for ConfigMaps and core
// Events; anything else gets Name and Age.
function columnsOf(resource: ResourceDefinition): JsonObject[] {
  switch (resource.id) {
    case 'configmaps':
      return [column('Name', 'name'), column('Data'), column('Age')]
    case 'namespaces':
      return [column('Name', 'name'), column('Status'), column('Age')]
    case 'events':
      return ['Last Seen', 'Type', 'Reason', 'Object', 'Message'].map((name) => column(name))
    case 'pods':
      // Priority 1 columns show with -o wide only.
      return [
        column('Name', 'name'),
        column('Ready'),
        column('Status'),
        column('Restarts', '', 0, 'string'),
        column('Age'),
        column('IP', '', 1),
        column('Node', '', 1),
        column('Nominated Node', '', 1),
        column('Readiness Gates', '', 1),
      ]
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
    case 'pods':
      return podCells(object, name, age)
    case 'namespaces':
      return [name, asObject(object.status).phase ?? '', age]
    default:
      return [name, age]
  }
}

// printPod: ready/total containers, the reason or phase, restarts, age, then the wide columns.
function podCells(pod: JsonObject, name: JsonValue, age: string): JsonValue[] {
  const spec = asObject(pod.spec)
  const status = asObject(pod.status)
  const containers = Array.isArray(spec.containers) ? spec.containers.length : 0
  const statuses = Array.isArray(status.containerStatuses)
    ? status.containerStatuses.map(asObject)
    : []
  const ready = statuses.filter((s) => s.ready === true).length
  const restarts = statuses.reduce((sum, s) => sum + Number(s.restartCount ?? 0), 0)
  const reason = asObject(pod.metadata).deletionTimestamp
    ? 'Terminating'
    : String(status.reason ?? status.phase ?? '')
  const none = (value: JsonValue | undefined): JsonValue =>
    typeof value === 'string' && value !== '' ? value : '<none>'
  return [
    name,
    `${ready}/${containers}`,
    reason,
    String(restarts),
    age,
    none(status.podIP),
    none(spec.nodeName),
    none(status.nominatedNodeName),
    '<none>',
  ]
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
