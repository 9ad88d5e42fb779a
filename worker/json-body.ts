import { readBodyText } from './body-limit.ts'
import { HttpError } from './http-error.ts'

/** Reads a JSON request body: 415 unless the content type is JSON, 413 past `maxBytes`, 400 if malformed. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new HttpError(415, `content type must be application/json, got "${type || 'none'}"`)
  }
  const text = await readBodyText(request, maxBytes)
  if (text.trim() === '') throw new HttpError(400, 'request body is empty')
  try {
    return JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new HttpError(400, `request body is not valid JSON: ${detail}`)
  }
}
