/** One decoded protobuf field: number and raw value (varint as bigint, bytes for length-delimited). */
export type ProtoField =
  | { readonly field: number; readonly wire: 'varint'; readonly value: bigint }
  | { readonly field: number; readonly wire: 'bytes'; readonly value: Uint8Array }
  | { readonly field: number; readonly wire: 'fixed'; readonly value: Uint8Array }

/** Splits a protobuf message into its fields (proto wire format; groups are not supported). */
export function decodeFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = []
  let offset = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = bytes[offset++]
      if (byte === undefined) throw new Error('truncated varint')
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  const take = (length: number): Uint8Array => {
    if (offset + length > bytes.length) throw new Error('truncated field')
    const slice = bytes.subarray(offset, offset + length)
    offset += length
    return slice
  }
  while (offset < bytes.length) {
    const key = Number(varint())
    const field = key >>> 3
    switch (key & 7) {
      case 0:
        fields.push({ field, wire: 'varint', value: varint() })
        break
      case 1:
        fields.push({ field, wire: 'fixed', value: take(8) })
        break
      case 2:
        fields.push({ field, wire: 'bytes', value: take(Number(varint())) })
        break
      case 5:
        fields.push({ field, wire: 'fixed', value: take(4) })
        break
      default:
        throw new Error(`unsupported wire type ${key & 7}`)
    }
  }
  return fields
}

/** The UTF-8 text of a length-delimited field. */
export function fieldText(field: ProtoField): string {
  return field.wire === 'bytes' ? new TextDecoder().decode(field.value) : ''
}

/** A `map<string, string>` entry (key = 1, value = 2). */
export function mapEntry(field: ProtoField): [string, string] {
  const [key, value] = mapEntryBytes(field)
  return [key, new TextDecoder().decode(value)]
}

/** A `map<string, bytes>` entry (key = 1, value = 2). */
export function mapEntryBytes(field: ProtoField): [string, Uint8Array] {
  let key = ''
  let value: Uint8Array = new Uint8Array()
  if (field.wire !== 'bytes') return [key, value]
  for (const part of decodeFields(field.value)) {
    if (part.field === 1) key = fieldText(part)
    if (part.field === 2 && part.wire === 'bytes') value = part.value
  }
  return [key, value]
}
