import type { JsonObject } from '../../../shared/json.ts'

/** A namespace to create from a test. */
export interface NamespaceInput {
  readonly name: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
}

/** A merge patch of a namespace's metadata: a null value removes the key (RFC 7386). */
export interface NamespacePatch {
  readonly labels?: Readonly<Record<string, string | null>>
  readonly annotations?: Readonly<Record<string, string | null>>
}

/** The v1 Namespace object for an input. */
export function namespaceObject(input: NamespaceInput): JsonObject {
  const metadata: JsonObject = { name: input.name }
  if (input.labels !== undefined) metadata.labels = { ...input.labels }
  if (input.annotations !== undefined) metadata.annotations = { ...input.annotations }
  return { apiVersion: 'v1', kind: 'Namespace', metadata }
}

/** The JSON merge patch body `kubectl annotate` / `kubectl label` would send. */
export function namespacePatchBody(patch: NamespacePatch): JsonObject {
  const metadata: JsonObject = {}
  if (patch.labels !== undefined) metadata.labels = { ...patch.labels }
  if (patch.annotations !== undefined) metadata.annotations = { ...patch.annotations }
  return { metadata }
}
