import type { JsonObject } from '../../../shared/json.ts'

/** Replacement fields for a programmatic ConfigMap update (absent fields are kept). */
export interface ConfigMapChange {
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly data?: Readonly<Record<string, string>>
  readonly immutable?: boolean
}

/** A ConfigMap to create from a test. */
export interface ConfigMapInput extends ConfigMapChange {
  /** Default `default`. */
  readonly namespace?: string
  readonly name: string
}

/** The v1 ConfigMap object for an input. */
export function configMapObject(input: ConfigMapInput): JsonObject {
  const metadata: JsonObject = { name: input.name, namespace: input.namespace ?? 'default' }
  if (input.labels !== undefined) metadata.labels = { ...input.labels }
  if (input.annotations !== undefined) metadata.annotations = { ...input.annotations }
  const object: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata }
  if (input.data !== undefined) object.data = { ...input.data }
  if (input.immutable !== undefined) object.immutable = input.immutable
  return object
}
