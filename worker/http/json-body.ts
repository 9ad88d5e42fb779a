import { HTTPException } from 'hono/http-exception'

// One decoder for every request: decoding a whole buffer without `stream` leaves no state behind.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Reads a JSON request body: 415 unless the content type is JSON, 413 past `maxBytes`, 400 if malformed. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    // Header values are never echoed: say only whether there was one.
    throw new HTTPException(415, {
      message: `content type must be application/json${type ? '' : ', and the request has none'}`,
    })
  }
  const text = await readBodyText(request, maxBytes)
  if (text.trim() === '') throw new HTTPException(400, { message: 'request body is empty' })
  try {
    return JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new HTTPException(400, { message: `request body is not valid JSON: ${detail}` })
  }
}

/*
 * Reads a request body as UTF-8 text, refusing more than `maxBytes` before parsing anything:
 * a declared Content-Length is checked first, and a chunked body is counted while it streams.
 */
async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  if (request.body === null) return ''
  // A declared length within the limit: one native read (workerd enforces the length it declared).
  const bytes =
    declared !== null
      ? new Uint8Array(await request.arrayBuffer())
      : await readCounted(request.body, maxBytes)
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes)
  try {
    return UTF8.decode(bytes)
  } catch {
    throw new HTTPException(400, { message: 'request body is not valid UTF-8' })
  }
}

// A chunked body has no length up front: count while reading and stop at the limit.
async function readCounted(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function tooLarge(maxBytes: number): HTTPException {
  return new HTTPException(413, { message: `request body exceeds ${maxBytes} bytes` })
}
