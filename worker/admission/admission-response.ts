import {
  type DecodedReview,
  encodeResponse,
  type ResponseEncoding,
} from '../../shared/admission-review.ts'
import { encodeBase64Utf8, isAscii } from '../../shared/base64.ts'
import type { JsonObject } from '../../shared/json.ts'
import { utf8Length } from '../../shared/parse-limits.ts'
import type { Decision } from '../../shared/types.ts'

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

/**
 * The largest admission reply the Worker sends. The API server applies the patch and stores the
 * pod in etcd, whose requests are at most 1.5 MiB: a patch near that size cannot make a pod
 * that is stored, and it costs every admission that asks for it time and memory.
 */
export const ADMISSION_REPLY_MAX_BYTES = 1024 * 1024

/**
 * The reply to `review` as JSON text, at most `ADMISSION_REPLY_MAX_BYTES`: a larger one is
 * replaced by an allowed-unchanged answer with a warning (reason `invalid_result`). Returns the
 * decision actually sent, for the log.
 */
export function encodeAdmissionReply(
  review: DecodedReview,
  decision: Decision,
): { readonly decision: Decision; readonly text: string } {
  let measured = 0
  // The patch alone is most of a large reply: measured before it is encoded, so an oversized
  // one costs no base64 copy and no reply text.
  const bounded: ResponseEncoding = {
    base64Utf8: (patch) => {
      const bytes = patch.length <= BASE64_QUICK_LIMIT ? 0 : 4 * Math.ceil(utf8Length(patch) / 3)
      if (bytes > ADMISSION_REPLY_MAX_BYTES) {
        measured = bytes
        throw new ReplyTooLarge()
      }
      return nativeBase64Utf8(patch)
    },
  }
  try {
    const text = JSON.stringify(encodeResponse(review, decision, bounded))
    // Each UTF-16 unit is at most 3 UTF-8 bytes: count exactly only near the limit.
    measured = text.length * 3 <= ADMISSION_REPLY_MAX_BYTES ? 0 : utf8Length(text)
    if (measured <= ADMISSION_REPLY_MAX_BYTES) return { decision, text }
  } catch (error) {
    if (!(error instanceof ReplyTooLarge)) throw error
  }
  const configs = decision.kind === 'inject' ? ` (${decision.configs.join(', ')})` : ''
  const detail = `the reply${configs} would be at least ${measured} bytes; the limit is ${ADMISSION_REPLY_MAX_BYTES}`
  const skip: Decision = {
    kind: 'skip',
    reason: 'invalid_result',
    detail,
    warnings: [`sidecar injection skipped: ${detail}`],
  }
  return { decision: skip, text: JSON.stringify(encodeAdmission(review, skip)) }
}

// base64 of n UTF-8 bytes is 4 * ceil(n / 3) characters, and n is at most 3 per UTF-16 unit.
const BASE64_QUICK_LIMIT = Math.floor(ADMISSION_REPLY_MAX_BYTES / 4)

class ReplyTooLarge extends Error {}
