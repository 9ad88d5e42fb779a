import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** The part of a fetch answer the relay reads. */
export interface PutAnswer {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  text(): Promise<string>
}

/** The fetch subset the relay's Worker requests use; global `fetch` satisfies it. */
export type PutFetch = (
  url: string,
  init: {
    readonly method: 'PUT'
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
    readonly signal: AbortSignal
  },
) => Promise<PutAnswer>

/**
 * A fetch over node:http and node:https. The relay's Kubernetes client already loads both;
 * Node's global fetch would load a second HTTP stack (its internal undici), about 18 MB of
 * resident memory for a handful of requests a minute.
 */
export const httpPut: PutFetch = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const body = Buffer.from(init.body)
    const req = send(
      target,
      {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(body.length) },
        signal: init.signal,
      },
      (res) => resolve(toAnswer(res)),
    )
    req.once('error', (error) => reject(init.signal.aborted ? init.signal.reason : error))
    req.end(body)
  })

function toAnswer(res: IncomingMessage): PutAnswer {
  const text = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.once('error', reject)
  })
  // Read at once, so an unread body never holds the connection.
  text.catch(() => {})
  return {
    status: res.statusCode ?? 0,
    headers: {
      get: (name) => {
        const value = res.headers[name.toLowerCase()]
        return Array.isArray(value) ? value.join(', ') : (value ?? null)
      },
    },
    text: () => text,
  }
}
