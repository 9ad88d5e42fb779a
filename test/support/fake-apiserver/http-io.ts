import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JsonValue } from '../../../shared/json.ts'
import { decodeProtobufObject, PROTOBUF } from './protobuf-object.ts'
import { badRequest, StatusError } from './status.ts'

/** Sends a JSON body with the apiserver's content type. */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: JsonValue,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  })
  res.end(text)
}

/** Sends a StatusError (or any thrown value as a 500 InternalError). */
export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof StatusError) {
    sendJson(res, error.code, error.body, error.headers)
    return
  }
  const message = `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`
  sendJson(res, 500, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'InternalError',
    code: 500,
  })
}

/** Reads a request body: JSON, or a protobuf ConfigMap as typed clients send; 400 when unreadable. */
export async function readJsonBody(req: IncomingMessage): Promise<JsonValue> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const bytes = Buffer.concat(chunks)
  if ((req.headers['content-type'] ?? '').startsWith(PROTOBUF)) {
    try {
      return decodeProtobufObject(bytes)
    } catch (error) {
      if (error instanceof StatusError) throw error
      throw badRequest(`error decoding protobuf request body: ${String(error)}`)
    }
  }
  const text = bytes.toString('utf8')
  if (text.trim() === '') return null
  try {
    return JSON.parse(text) as JsonValue
  } catch (error) {
    throw badRequest(`error decoding request body as JSON: ${String(error)}`)
  }
}
