import { randomUUID } from 'node:crypto'
import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import { applyPatchBody } from './patch.ts'
import { apiVersionOf, type ResourceDefinition } from './resource.ts'
import {
  alreadyExists,
  badRequest,
  buildStatus,
  conflict,
  invalid,
  notFound,
  StatusError,
} from './status.ts'
import { asObject, type ObjectStore } from './store.ts'

/** Optimistic-concurrency preconditions of a delete (DeleteOptions.preconditions). */
export interface Preconditions {
  readonly uid?: string
  readonly resourceVersion?: string
}

/**
 * The generic registry's rules for create, update, patch and delete (k8s.io/apiserver
 * registry/generic): server-owned metadata, validation, conflicts, no-op updates.
 */
export class Registry {
  private readonly store: ObjectStore
  private readonly now: () => Date

  constructor(store: ObjectStore, now: () => Date = () => new Date()) {
    this.store = store
    this.now = now
  }

  /** The object or a 404 StatusError. */
  get(resource: ResourceDefinition, namespace: string, name: string): JsonObject {
    const found = this.store.get(resource.id, namespace, name)
    if (found === undefined) throw notFound(resource.name, name)
    return found
  }

  /** POST: create with generated uid/creationTimestamp; 409 AlreadyExists. */
  create(resource: ResourceDefinition, namespace: string, body: JsonValue): JsonObject {
    const object = this.checkBody(resource, namespace, body)
    const metadata = asObject(object.metadata)
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
      // etcd3 store: a create must not carry a resourceVersion.
      const message = 'resourceVersion should not be set on objects to be created'
      throw new StatusError(500, buildStatus(500, 'InternalError', message))
    }
    if ((metadata.name ?? '') === '' && typeof metadata.generateName === 'string') {
      metadata.name = `${metadata.generateName}${randomSuffix()}`
    }
    metadata.uid = randomUUID()
    metadata.creationTimestamp = this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
    delete metadata.deletionTimestamp
    delete metadata.generation
    object.metadata = metadata
    resource.prepareForCreate?.(object)
    const name = String(metadata.name ?? '')
    this.validate(resource, object, undefined)
    if (this.store.get(resource.id, namespace, name) !== undefined) {
      throw alreadyExists(resource.name, name)
    }
    return this.store.add(resource.id, object)
  }

  /** PUT: replace; 404 when absent, 409 Conflict on a stale metadata.resourceVersion. */
  update(
    resource: ResourceDefinition,
    namespace: string,
    name: string,
    body: JsonValue,
  ): JsonObject {
    const object = this.checkBody(resource, namespace, body)
    const metadata = asObject(object.metadata)
    if (metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(metadata.name ?? '')}) does not match the name on the URL (${name})`,
      )
    }
    const current = this.get(resource, namespace, name)
    const currentMeta = asObject(current.metadata)
    const wanted = metadata.resourceVersion
    if (wanted !== undefined && wanted !== '' && wanted !== currentMeta.resourceVersion) {
      throw conflict(
        resource.name,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      )
    }
    if (metadata.uid !== undefined && metadata.uid !== '' && metadata.uid !== currentMeta.uid) {
      throw conflict(
        resource.name,
        name,
        `Precondition failed: UID in precondition: ${String(metadata.uid)}, UID in object meta: ${String(currentMeta.uid)}`,
      )
    }
    // uid and creationTimestamp are server-owned: reset to the stored values (rest.BeforeUpdate).
    metadata.uid = currentMeta.uid ?? null
    metadata.creationTimestamp = currentMeta.creationTimestamp ?? null
    metadata.resourceVersion = currentMeta.resourceVersion ?? null
    object.metadata = metadata
    resource.prepareForUpdate?.(object, current)
    this.validate(resource, object, current)
    // A no-op update keeps the resourceVersion and emits no watch event (etcd3 GuaranteedUpdate).
    if (JSON.stringify(sortKeys(object)) === JSON.stringify(sortKeys(current))) return current
    return this.store.replace(resource.id, object, current)
  }

  /** The status subresource's update, as the kubelet writes it: only `status` changes. */
  updateStatus(
    resource: ResourceDefinition,
    namespace: string,
    name: string,
    status: JsonObject,
  ): JsonObject {
    const current = this.get(resource, namespace, name)
    return this.store.replace(resource.id, { ...current, status: structuredClone(status) }, current)
  }

  /** PATCH: apply the patch to the stored object, then update (a patched resourceVersion is a precondition). */
  patch(
    resource: ResourceDefinition,
    namespace: string,
    name: string,
    contentType: string,
    body: JsonValue,
  ): JsonObject {
    const current = this.get(resource, namespace, name)
    const patched = applyPatchBody(current, contentType, body)
    const metadata = asObject(patched.metadata)
    if (metadata.name !== name) {
      throw badRequest(`metadata.name: Invalid value: the name cannot be changed by a patch`)
    }
    return this.update(resource, namespace, name, patched)
  }

  /** DELETE: removes now (no finalizers here); returns the deleted object. */
  delete(
    resource: ResourceDefinition,
    namespace: string,
    name: string,
    preconditions: Preconditions = {},
  ): JsonObject {
    const current = this.get(resource, namespace, name)
    const metadata = asObject(current.metadata)
    if (preconditions.uid !== undefined && preconditions.uid !== metadata.uid) {
      throw conflict(
        resource.name,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(metadata.uid)}`,
      )
    }
    const rv = preconditions.resourceVersion
    if (rv !== undefined && rv !== metadata.resourceVersion) {
      throw conflict(
        resource.name,
        name,
        `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${String(metadata.resourceVersion)}`,
      )
    }
    return this.store.remove(resource.id, current)
  }

  private checkBody(resource: ResourceDefinition, namespace: string, body: JsonValue): JsonObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest(`the body must be a ${resource.kind} object`)
    }
    const object = structuredClone(body)
    const expected = apiVersionOf(resource)
    if (object.apiVersion !== undefined && object.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
      )
    }
    if (object.kind !== undefined && object.kind !== resource.kind) {
      throw badRequest(
        `the kind in the data (${String(object.kind)}) does not match the expected kind (${resource.kind})`,
      )
    }
    const metadata = asObject(object.metadata)
    if (resource.clusterScoped === true) {
      // A cluster-scoped object has no namespace; the apiserver drops one given.
      delete metadata.namespace
    } else if (
      metadata.namespace !== undefined &&
      metadata.namespace !== '' &&
      metadata.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      )
    } else metadata.namespace = namespace
    // Field order as the apiserver serializes: kind, apiVersion, metadata, then the rest.
    const { kind: _kind, apiVersion: _apiVersion, metadata: _metadata, ...rest } = object
    return { kind: resource.kind, apiVersion: expected, metadata, ...rest }
  }

  private validate(
    resource: ResourceDefinition,
    object: JsonObject,
    previous: JsonObject | undefined,
  ): void {
    const issues = resource.validate(object, previous)
    if (issues.length > 0) {
      throw invalid(resource.kind, String(asObject(object.metadata).name ?? ''), issues)
    }
  }
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  let suffix = ''
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)]
  return suffix
}

function sortKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(sortKeys)
  const result: JsonObject = {}
  for (const key of Object.keys(value).sort()) result[key] = sortKeys(value[key] ?? null)
  return result
}
