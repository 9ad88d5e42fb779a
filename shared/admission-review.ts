import { encodeBase64Utf8 } from './base64.ts'
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts'
import { formatPatch } from './patch-text.ts'
import type { Decision } from './types.ts'

/** The AdmissionReview versions this webhook speaks; the answer uses the request's. */
export const REVIEW_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const

/** The part of an AdmissionRequest the injector reads. */
export interface AdmissionRequest {
  readonly uid: string
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string }
  readonly operation: string
  readonly namespace?: string
  readonly name?: string
  readonly object?: JsonObject
  /** Set when the API server will not persist the result; side-effect free injection is fine. */
  readonly dryRun?: boolean
}

/** A decoded AdmissionReview: its apiVersion (echoed back) and request. */
export interface DecodedReview {
  readonly apiVersion: (typeof REVIEW_VERSIONS)[number]
  readonly request: AdmissionRequest
}

/** A body that is not an AdmissionReview; the message is a sentence fit for a 400 response. */
export class ReviewError extends Error {
  override readonly name = 'ReviewError'
}

/** Decodes a parsed JSON body into a review, or throws `ReviewError` naming the bad field. */
export function decodeReview(body: unknown): DecodedReview {
  if (!isObject(body)) throw new ReviewError('body must be a JSON object (an AdmissionReview)')
  if (body.kind !== 'AdmissionReview') {
    throw new ReviewError(`kind must be "AdmissionReview", got ${describe(body.kind)}`)
  }
  const apiVersion = REVIEW_VERSIONS.find((version) => version === body.apiVersion)
  if (apiVersion === undefined) {
    throw new ReviewError(
      `apiVersion must be ${REVIEW_VERSIONS.join(' or ')}, got ${describe(body.apiVersion)}`,
    )
  }
  const request = body.request
  if (!isObject(request)) throw new ReviewError('request is missing or not an object')
  const uid = request.uid
  if (typeof uid !== 'string' || uid === '') throw new ReviewError('request.uid is missing')
  const kind = request.kind
  if (
    !isObject(kind) ||
    typeof kind.group !== 'string' ||
    typeof kind.version !== 'string' ||
    typeof kind.kind !== 'string'
  ) {
    throw new ReviewError('request.kind must be an object with group, version and kind strings')
  }
  if (typeof request.operation !== 'string') throw new ReviewError('request.operation is missing')
  const object = request.object
  if (object !== undefined && object !== null && !isObject(object)) {
    throw new ReviewError('request.object must be an object')
  }
  return {
    apiVersion,
    request: {
      uid,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      operation: request.operation,
      ...optionalString('namespace', request.namespace),
      ...optionalString('name', request.name),
      ...(isObject(object) ? { object } : {}),
      ...(request.dryRun === true ? { dryRun: true } : {}),
    },
  }
}

/** How the response text is encoded; a runtime with a native base64 passes its own. */
export interface ResponseEncoding {
  /** Standard padded base64 of the UTF-8 bytes of `text`. */
  readonly base64Utf8: (text: string) => string
  /** The same for a text known to be ASCII, whose bytes are its char codes (`btoa`). */
  readonly base64Ascii?: (text: string) => string
}

/** The portable encoding: plain JavaScript, for any runtime. */
export const PORTABLE_ENCODING: ResponseEncoding = { base64Utf8: encodeBase64Utf8 }

/** The AdmissionReview answering `review`: always allowed; a base64 JSON Patch only when injecting. */
export function encodeResponse(
  review: DecodedReview,
  decision: Decision,
  encoding: ResponseEncoding = PORTABLE_ENCODING,
): JsonObject {
  const response: JsonObject = { uid: review.request.uid, allowed: true }
  if (decision.kind === 'inject' && decision.patch.length > 0) {
    // patch is base64 of the JSON Patch text (admission.k8s.io/v1 AdmissionResponse.patch).
    response.patchType = 'JSONPatch'
    const { text, ascii } = formatPatch(decision.patch)
    const { base64Ascii } = encoding
    response.patch =
      ascii && base64Ascii !== undefined ? base64Ascii(text) : encoding.base64Utf8(text)
  }
  if (decision.warnings.length > 0) response.warnings = decision.warnings.map(trimWarning)
  if (review.apiVersion === 'admission.k8s.io/v1' && decision.kind === 'inject') {
    // The API server prefixes each key with the webhook's name in the audit log.
    response.auditAnnotations = { 'injected-configs': decision.configs.join(',') }
  }
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response }
}

/** A validating webhook's answer: allowed, or refused with an HTTP-like code and a message. */
export type ValidationVerdict =
  | { readonly allowed: true; readonly warnings: readonly string[] }
  | {
      readonly allowed: false
      /** 422 for content the Worker would refuse, 400 for a request that is not a ConfigMap's. */
      readonly code: 400 | 422
      readonly message: string
      readonly warnings: readonly string[]
    }

/**
 * The AdmissionReview answering `review` for a validating webhook: no patch; a refusal carries
 * a `status` (metav1.Status), whose message kubectl prints after "denied the request:".
 */
export function encodeValidation(review: DecodedReview, verdict: ValidationVerdict): JsonObject {
  const response: JsonObject = { uid: review.request.uid, allowed: verdict.allowed }
  if (!verdict.allowed) {
    response.status = { code: verdict.code, message: verdict.message }
  }
  if (verdict.warnings.length > 0) response.warnings = verdict.warnings.map(trimWarning)
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response }
}

/** Kubernetes truncates longer warnings; cut them ourselves so the end reads as cut. */
function trimWarning(warning: string): string {
  return warning.length <= 256 ? warning : `${warning.slice(0, 253)}...`
}

function isObject(value: unknown): value is JsonObject {
  return isJsonObject(value as JsonValue)
}

function optionalString<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' && value !== '' ? { [key]: value } : {}) as {
    [P in K]?: string
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  return typeof value === 'string' ? `"${value.slice(0, 64)}"` : typeof value
}
