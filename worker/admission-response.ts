import {
  type DecodedReview,
  encodeResponse,
  type ResponseEncoding,
} from '../shared/admission-review.ts'
import type { JsonObject } from '../shared/json.ts'
import type { Decision } from '../shared/types.ts'

const NON_ASCII = /[\u0080-\uffff]/
const encoder = new TextEncoder()

/** Base64 of the UTF-8 bytes of `text` with the runtime's native `btoa` and `TextEncoder`. */
export function nativeBase64Utf8(text: string): string {
  // JSON patches are nearly always ASCII, which btoa takes as is.
  if (!NON_ASCII.test(text)) return btoa(text)
  const bytes = encoder.encode(text)
  let binary = ''
  for (let at = 0; at < bytes.length; at += 0x1000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x1000))
  }
  return btoa(binary)
}

const NATIVE: ResponseEncoding = { base64Utf8: nativeBase64Utf8 }

/** The Worker's AdmissionReview answer: the shared encoder with the runtime's base64. */
export function encodeAdmission(review: DecodedReview, decision: Decision): JsonObject {
  return encodeResponse(review, decision, NATIVE)
}
