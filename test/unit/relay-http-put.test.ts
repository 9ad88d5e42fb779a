import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpPut } from '../../relay/http-put.ts'

let server: Server
let base: string
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] =
  []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      if (req.url === '/slow') return // never answers
      res.writeHead(req.url === '/busy' ? 429 : 200, {
        'content-type': 'application/json',
        'retry-after': '7',
      })
      res.end(JSON.stringify({ echo: body.length }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const put = (path: string, body: string, signal = AbortSignal.timeout(5000)) =>
  httpPut(`${base}${path}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body,
    signal,
  })

describe('httpPut', () => {
  it('sends method, headers and body (UTF-8, with its length) and reads status, headers and text', async () => {
    const answer = await put('/v1/clusters/c/status', '{"name":"é"}')
    expect(answer.status).toBe(200)
    expect(answer.headers.get('Retry-After')).toBe('7')
    expect(answer.headers.get('x-missing')).toBeNull()
    expect(JSON.parse(await answer.text())).toEqual({ echo: 12 })
    expect(seen.at(-1)).toMatchObject({
      method: 'PUT',
      url: '/v1/clusters/c/status',
      body: '{"name":"é"}',
      headers: {
        authorization: 'Bearer t',
        'content-type': 'application/json',
        'content-length': '13',
      },
    })
  })

  it('returns an error status as an answer', async () => {
    const answer = await put('/busy', '{}')
    expect(answer.status).toBe(429)
    expect(await answer.text()).toBe('{"echo":2}')
  })

  it('rejects with the signal reason when the signal fires first', async () => {
    await expect(put('/slow', '{}', AbortSignal.timeout(100))).rejects.toMatchObject({
      name: 'TimeoutError',
    })
  })

  it('rejects when nothing listens', async () => {
    await expect(
      httpPut('http://127.0.0.1:9/x', {
        method: 'PUT',
        headers: {},
        body: '',
        signal: AbortSignal.timeout(5000),
      }),
    ).rejects.toThrow(/ECONNREFUSED/)
  })

  it('refuses a header value with a line break, naming the header only', async () => {
    const error = await httpPut(`${base}/x`, {
      method: 'PUT',
      headers: { authorization: 'Bearer a\nb' },
      body: '',
      signal: AbortSignal.timeout(5000),
    }).catch((caught: unknown) => caught)
    expect(String(error)).toMatch(/header/i)
    expect(String(error)).not.toContain('Bearer a')
  })
})
