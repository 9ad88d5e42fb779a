/** An error the HTTP layer answers with `status` and `{ "error": message }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly status: 400 | 401 | 404 | 405 | 413 | 415 | 429 | 503
  readonly headers: Readonly<Record<string, string>>

  constructor(
    status: HttpError['status'],
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.status = status
    this.headers = headers
  }
}

/** The uniform answer to a missing, wrong or other cluster's token: no hint which. */
export function unauthorized(): HttpError {
  return new HttpError(401, 'unauthorized')
}
