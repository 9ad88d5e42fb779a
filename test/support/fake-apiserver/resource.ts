import type { JsonObject } from '../../../shared/json.ts'
import { validateCoreEvent, validateEventsV1 } from './event-validation.ts'
import { initialPodStatus, validatePod } from './pod-rules.ts'
import { asObject } from './store.ts'

/** A field error found by a resource's validation. */
export interface FieldIssue {
  readonly field: string
  readonly message: string
}

/** What the fake knows about one served resource. */
export interface ResourceDefinition {
  /** Store key, unique across groups. */
  readonly id: string
  readonly group: string
  readonly version: string
  /** Plural name in the URL. */
  readonly name: string
  readonly kind: string
  readonly listKind: string
  readonly shortNames: readonly string[]
  /** Fields a fieldSelector may use (the apiserver rejects others with 400). */
  readonly fieldLabels: readonly string[]
  validate(object: JsonObject, previous: JsonObject | undefined): FieldIssue[]
  /** Sets server-owned fields of a new object (the strategy's PrepareForCreate). */
  prepareForCreate?(object: JsonObject): void
  /** Sets server-owned fields on update (the strategy's PrepareForUpdate). */
  prepareForUpdate?(object: JsonObject, previous: JsonObject): void
  /** Cluster-scoped (no namespace in its path or metadata), like Namespace itself. */
  readonly clusterScoped?: boolean
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/

/** Validates metadata.name as a DNS-1123 subdomain, like ObjectMeta validation. */
function validateName(object: JsonObject): FieldIssue[] {
  const name = asObject(object.metadata).name
  if (typeof name !== 'string' || name === '') {
    return [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      },
    ]
  }
  return []
}

function validateConfigMap(object: JsonObject, previous: JsonObject | undefined): FieldIssue[] {
  const issues = validateName(object)
  const seen = new Set<string>()
  for (const field of ['data', 'binaryData']) {
    const map = object[field]
    if (map === undefined || map === null) continue
    if (typeof map !== 'object' || Array.isArray(map)) {
      issues.push({ field, message: 'Invalid value: must be an object of strings' })
      continue
    }
    for (const [key, value] of Object.entries(map)) {
      if (!CONFIG_KEY.test(key) || key.length > 253) {
        issues.push({
          field: `${field}[${key}]`,
          message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
        })
      }
      if (typeof value !== 'string') {
        issues.push({ field: `${field}[${key}]`, message: 'Invalid value: must be a string' })
      }
      if (seen.has(key))
        issues.push({
          field: `${field}[${key}]`,
          message: `Invalid value: "${key}": duplicate of key present in data`,
        })
      seen.add(key)
    }
  }
  // Immutable ConfigMaps reject changes to data (core/validation ValidateConfigMapUpdate).
  if (previous?.immutable === true) {
    if (object.immutable !== true)
      issues.push({
        field: 'immutable',
        message: 'Forbidden: field is immutable when `immutable` is set',
      })
    if (JSON.stringify(object.data ?? {}) !== JSON.stringify(previous.data ?? {})) {
      issues.push({
        field: 'data',
        message: 'Forbidden: field is immutable when `immutable` is set',
      })
    }
  }
  return issues
}

const EVENT_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
]

/** core/v1 ConfigMap. */
export const configMaps: ResourceDefinition = {
  id: 'configmaps',
  group: '',
  version: 'v1',
  name: 'configmaps',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  shortNames: ['cm'],
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  validate: validateConfigMap,
}

/** core/v1 Event. */
export const coreEvents: ResourceDefinition = {
  id: 'events',
  group: '',
  version: 'v1',
  name: 'events',
  kind: 'Event',
  listKind: 'EventList',
  shortNames: ['ev'],
  fieldLabels: EVENT_FIELDS,
  validate: (object) => [...validateName(object), ...validateCoreEvent(object)],
}

/** events.k8s.io/v1 Event (stored apart from core events in this fake). */
export const eventsV1: ResourceDefinition = {
  id: 'events.events.k8s.io',
  group: 'events.k8s.io',
  version: 'v1',
  name: 'events',
  kind: 'Event',
  listKind: 'EventList',
  shortNames: ['ev'],
  fieldLabels: [
    'metadata.name',
    'metadata.namespace',
    'regarding.kind',
    'regarding.name',
    'regarding.namespace',
    'reason',
    'type',
  ],
  validate: (object) => [...validateName(object), ...validateEventsV1(object)],
}

/** core/v1 Pod: create, read, list (metadata only too) and delete; no status subresource. */
export const pods: ResourceDefinition = {
  id: 'pods',
  group: '',
  version: 'v1',
  name: 'pods',
  kind: 'Pod',
  listKind: 'PodList',
  shortNames: ['po'],
  fieldLabels: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'],
  validate: (object) => [...validateName(object), ...validatePod(object)],
  prepareForCreate: (object) => {
    object.status = initialPodStatus(object)
  },
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
// Set on every namespace by the apiserver since 1.21 (NamespaceDefaultLabelName).
const NAME_LABEL = 'kubernetes.io/metadata.name'

function withNameLabel(object: JsonObject): void {
  const metadata = asObject(object.metadata)
  metadata.labels = { ...asObject(metadata.labels), [NAME_LABEL]: metadata.name ?? '' }
  object.metadata = metadata
}

/** core/v1 Namespace: cluster-scoped; deleted at once (no finalizers, no Terminating phase). */
export const namespaces: ResourceDefinition = {
  id: 'namespaces',
  group: '',
  version: 'v1',
  name: 'namespaces',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  shortNames: ['ns'],
  fieldLabels: ['metadata.name', 'status.phase'],
  clusterScoped: true,
  validate: (object) => {
    const name = asObject(object.metadata).name
    // ValidateNamespaceName: a DNS-1123 label, not a subdomain.
    if (typeof name === 'string' && (name.length > 63 || !DNS_LABEL.test(name))) {
      return [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
        },
      ]
    }
    return validateName(object)
  },
  prepareForCreate: (object) => {
    object.spec = { finalizers: ['kubernetes'] }
    object.status = { phase: 'Active' }
    withNameLabel(object)
  },
  prepareForUpdate: (object, previous) => {
    // The status and finalizers are not the main resource's to change.
    object.spec = previous.spec ?? { finalizers: ['kubernetes'] }
    object.status = previous.status ?? { phase: 'Active' }
    withNameLabel(object)
  },
}

/** Every resource the fake serves. */
export const resources: readonly ResourceDefinition[] = [
  configMaps,
  coreEvents,
  eventsV1,
  pods,
  namespaces,
]

/** `v1` or `group/version`, as in apiVersion. */
export function apiVersionOf(resource: ResourceDefinition): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`
}
