import {
  type DecodedReview,
  encodeResponse,
  type ResponseEncoding,
} from '../shared/admission-review.ts'
import { encodeBase64Utf8, isAscii } from '../shared/base64.ts'
import type { JsonObject } from '../shared/json.ts'
import type { Decision } from '../shared/types.ts'

/**
 * Base64 of the UTF-8 bytes of `text`: the runtime's native `btoa` for ASCII, which JSON
 * patches nearly always are, and the portable encoder of shared/ for the rest.
 */
export function nativeBase64Utf8(text: string): string {
  return isAscii(text) ? btoa(text) : encodeBase64Utf8(text)
}

const NATIVE: ResponseEncoding = { base64Utf8: nativeBase64Utf8, base64Ascii: (text) => btoa(text) }

/** The Worker's AdmissionReview answer: the shared encoder with the runtime's base64. */
export function encodeAdmission(review: DecodedReview, decision: Decision): JsonObject {
  return encodeResponse(review, decision, NATIVE)
}
