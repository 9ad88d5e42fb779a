import type { JsonObject } from '../../../shared/json.ts'
import { decodeFields, fieldText, mapEntry, mapEntryBytes, type ProtoField } from './protobuf.ts'
import { buildStatus, StatusError } from './status.ts'

/** Content type of the Kubernetes protobuf encoding (typed client-go clients send it, e.g. `kubectl create configmap`). */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf'

const MAGIC = [0x6b, 0x38, 0x73, 0x00] // "k8s\0" envelope prefix (runtime/serializer/protobuf)

/**
 * Decodes a protobuf request body into the JSON object shape. Only ConfigMaps and Namespaces
 * (metadata only) are understood (generated.proto of k8s.io/api/core/v1); anything else is a 415.
 */
export function decodeProtobufObject(body: Uint8Array): JsonObject {
  if (!MAGIC.every((byte, i) => body[i] === byte)) throw unsupported('missing k8s protobuf prefix')
  let apiVersion = ''
  let kind = ''
  let raw: Uint8Array = new Uint8Array()
  for (const field of decodeFields(body.subarray(MAGIC.length))) {
    if (field.field === 1 && field.wire === 'bytes') {
      for (const part of decodeFields(field.value)) {
        if (part.field === 1) apiVersion = fieldText(part)
        if (part.field === 2) kind = fieldText(part)
      }
    }
    if (field.field === 2 && field.wire === 'bytes') raw = field.value
  }
  if (apiVersion !== 'v1' || (kind !== 'ConfigMap' && kind !== 'Namespace')) {
    throw unsupported(
      `protobuf bodies are only understood for v1 ConfigMap and Namespace, not ${apiVersion} ${kind}`,
    )
  }
  const object: JsonObject = { kind, apiVersion }
  if (kind === 'Namespace') {
    // Namespace: metadata is field 1; spec and status are the server's (set on create).
    for (const field of decodeFields(raw)) {
      if (field.field === 1 && field.wire === 'bytes')
        object.metadata = decodeObjectMeta(field.value)
    }
    return object
  }
  const data: JsonObject = {}
  const binaryData: JsonObject = {}
  for (const field of decodeFields(raw)) {
    if (field.field === 1 && field.wire === 'bytes') object.metadata = decodeObjectMeta(field.value)
    if (field.field === 2) addEntry(data, field)
    if (field.field === 3) {
      const [key, value] = mapEntryBytes(field)
      binaryData[key] = Buffer.from(value).toString('base64')
    }
    if (field.field === 4 && field.wire === 'varint') object.immutable = field.value !== 0n
  }
  if (Object.keys(data).length > 0) object.data = data
  if (Object.keys(binaryData).length > 0) object.binaryData = binaryData
  return object
}

// ObjectMeta fields a client sets on create or update (apimachinery meta/v1 generated.proto).
function decodeObjectMeta(bytes: Uint8Array): JsonObject {
  const metadata: JsonObject = {}
  const labels: JsonObject = {}
  const annotations: JsonObject = {}
  const names: Record<number, string> = {
    1: 'name',
    2: 'generateName',
    3: 'namespace',
    5: 'uid',
    6: 'resourceVersion',
  }
  for (const field of decodeFields(bytes)) {
    const name = names[field.field]
    if (name !== undefined && fieldText(field) !== '') metadata[name] = fieldText(field)
    if (field.field === 11) addEntry(labels, field)
    if (field.field === 12) addEntry(annotations, field)
  }
  if (Object.keys(labels).length > 0) metadata.labels = labels
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations
  return metadata
}

function addEntry(target: JsonObject, field: ProtoField): void {
  const [key, value] = mapEntry(field)
  target[key] = value
}

function unsupported(why: string): StatusError {
  return new StatusError(415, buildStatus(415, 'UnsupportedMediaType', why))
}
