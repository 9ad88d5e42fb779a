import type { JsonObject } from '../../../shared/json.ts'

/** A pod to create from a test (namespace default `default`, one `app` container by default). */
export interface PodInput {
  readonly namespace?: string
  readonly name: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly containers?: readonly { readonly name: string; readonly image: string }[]
  readonly nodeName?: string
}

/** The v1 Pod object for an input. */
export function podObject(input: PodInput): JsonObject {
  const metadata: JsonObject = { name: input.name, namespace: input.namespace ?? 'default' }
  if (input.labels !== undefined) metadata.labels = { ...input.labels }
  if (input.annotations !== undefined) metadata.annotations = { ...input.annotations }
  const containers = input.containers ?? [{ name: 'app', image: 'nginx:1.27' }]
  const spec: JsonObject = { containers: containers.map((c) => ({ name: c.name, image: c.image })) }
  if (input.nodeName !== undefined) spec.nodeName = input.nodeName
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec }
}
