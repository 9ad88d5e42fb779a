import type { JsonObject } from '../../../shared/json.ts'

/** A failure the fake answers with: HTTP code plus the `Status` body the real apiserver sends. */
export class StatusError extends Error {
  readonly code: number
  readonly body: JsonObject
  readonly headers: Readonly<Record<string, string>>

  constructor(code: number, body: JsonObject, headers: Readonly<Record<string, string>> = {}) {
    super(typeof body.message === 'string' ? body.message : `status ${code}`)
    this.code = code
    this.body = body
    this.headers = headers
  }
}

/** Builds a metav1.Status failure body (apimachinery `errors.StatusError` shape). */
export function buildStatus(
  code: number,
  reason: string,
  message: string,
  details?: JsonObject,
  metadata: JsonObject = {},
): JsonObject {
  const status: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    reason,
  }
  if (details !== undefined) status.details = details
  status.code = code
  return status
}

/** 404 `configmaps "x" not found`. */
export function notFound(resource: string, name: string): StatusError {
  const message = `${resource} "${name}" not found`
  return new StatusError(404, buildStatus(404, 'NotFound', message, { name, kind: resource }))
}

/** 409 AlreadyExists on create. */
export function alreadyExists(resource: string, name: string): StatusError {
  const message = `${resource} "${name}" already exists`
  return new StatusError(409, buildStatus(409, 'AlreadyExists', message, { name, kind: resource }))
}

/** 409 Conflict on a stale resourceVersion (optimistic concurrency). */
export function conflict(resource: string, name: string, why: string): StatusError {
  const message = `Operation cannot be fulfilled on ${resource} "${name}": ${why}`
  return new StatusError(409, buildStatus(409, 'Conflict', message, { name, kind: resource }))
}

/** 400 BadRequest. */
export function badRequest(message: string): StatusError {
  return new StatusError(400, buildStatus(400, 'BadRequest', message))
}

/** 422 Invalid, with one cause per bad field. */
export function invalid(
  kind: string,
  name: string,
  causes: readonly { field: string; message: string }[],
): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ')
  const details: JsonObject = {
    name,
    kind,
    causes: causes.map((c) => ({
      reason: 'FieldValueInvalid',
      message: c.message,
      field: c.field,
    })),
  }
  return new StatusError(
    422,
    buildStatus(422, 'Invalid', `${kind} "${name}" is invalid: ${text}`, details),
  )
}

/** 410 Expired: the requested resourceVersion or continue token was compacted away. */
export function expired(message: string, continueToken?: string): StatusError {
  const metadata: JsonObject = continueToken === undefined ? {} : { continue: continueToken }
  return new StatusError(410, buildStatus(410, 'Expired', message, undefined, metadata))
}

/** The 410 watch ERROR / list answer for a compacted resourceVersion (etcd3 storage wording). */
export function tooOldResourceVersion(requested: number, oldest: number): StatusError {
  return expired(`too old resource version: ${requested} (${oldest})`)
}

/** 504 for a resourceVersion newer than the store (the cacher gives up after waiting). */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  const message = `Too large resource version: ${requested}, current: ${current}`
  const details: JsonObject = {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  }
  return new StatusError(504, buildStatus(504, 'Timeout', message, details), { 'Retry-After': '1' })
}

/** 405 for a verb the resource does not serve. */
export function methodNotAllowed(method: string): StatusError {
  const message = `the server does not allow this method on the requested resource (${method})`
  return new StatusError(405, buildStatus(405, 'MethodNotAllowed', message))
}

/** 415 for a patch type the fake does not implement. */
export function unsupportedMediaType(contentType: string): StatusError {
  const message = `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`
  return new StatusError(415, buildStatus(415, 'UnsupportedMediaType', message))
}

/** The Status the real apiserver sends for `code`, for an injected fault on this request. */
export function faultStatus(
  code: number,
  request: { verb: string; resource: string | undefined; namespace: string | undefined },
  retryAfterSeconds = 1,
): StatusError {
  const resource = request.resource ?? ''
  switch (code) {
    case 401:
      return new StatusError(401, buildStatus(401, 'Unauthorized', 'Unauthorized'))
    case 403: {
      const where =
        request.namespace === undefined
          ? 'at the cluster scope'
          : `in the namespace "${request.namespace}"`
      const message = `${resource} is forbidden: User "system:serviceaccount:default:default" cannot ${request.verb} resource "${resource}" in API group "" ${where}`
      return new StatusError(403, buildStatus(403, 'Forbidden', message, { kind: resource }))
    }
    case 410:
      return expired('too old resource version: injected fault')
    case 429: {
      const body = buildStatus(
        429,
        'TooManyRequests',
        'Too many requests, please try again later.',
        {
          retryAfterSeconds,
        },
      )
      return new StatusError(429, body, { 'Retry-After': String(retryAfterSeconds) })
    }
    case 500:
      return new StatusError(
        500,
        buildStatus(500, 'InternalError', 'Internal error occurred: injected fault', {
          causes: [{ message: 'injected fault' }],
        }),
      )
    case 503:
      return new StatusError(
        503,
        buildStatus(
          503,
          'ServiceUnavailable',
          'the server is currently unable to handle the request',
        ),
        { 'Retry-After': String(retryAfterSeconds) },
      )
    case 504:
      return new StatusError(
        504,
        buildStatus(
          504,
          'Timeout',
          'the server was unable to return a response in the time allotted',
        ),
      )
    default:
      return new StatusError(code, buildStatus(code, 'Unknown', `injected fault ${code}`))
  }
}
