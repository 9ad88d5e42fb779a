import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { KubeConfig } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKubeTransport, KubeApiError, readText } from '../../relay/kube-request.ts'
import { readServerVersion } from '../../relay/server-version.ts'

// An API server over TLS that wants a client certificate or a bearer token, as real ones do:
// the relay's transport must take CA, certificate, key and token from the kubeconfig.
const dir = mkdtempSync(join(tmpdir(), 'kube-tls-'))
const seen: { path: string; authorization?: string; userAgent?: string; clientCn?: string }[] = []
let server: Server
let url: string

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

beforeAll(async () => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  )
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  for (const [name, subject, ext] of [
    ['server', '/CN=127.0.0.1', ['-extfile', 'san.ext']],
    ['client', '/O=system:masters/CN=relay', []],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...ext,
    )
  }
  const file = (name: string) => readFileSync(join(dir, name))
  server = createServer(
    {
      key: file('server.key'),
      cert: file('server.crt'),
      ca: file('ca.crt'),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()
      const clientCn = (req.socket as TLSSocket).authorized ? String(peer.subject?.CN) : undefined
      seen.push({
        path: req.url ?? '',
        ...(req.headers.authorization === undefined
          ? {}
          : { authorization: req.headers.authorization }),
        ...(req.headers['user-agent'] === undefined
          ? {}
          : { userAgent: req.headers['user-agent'] }),
        ...(clientCn === undefined ? {} : { clientCn }),
      })
      if (clientCn === undefined && req.headers.authorization !== 'Bearer api-token') {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            kind: 'Status',
            status: 'Failure',
            message: 'Unauthorized',
            reason: 'Unauthorized',
            code: 401,
          }),
        )
        return
      }
      if (req.url === '/version') {
        res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.2' }))
      } else if (req.url?.startsWith('/api/v1/namespaces/x/configmaps?watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n')
        setTimeout(() => res.end(), 50)
      } else if (req.url === '/slow') {
        // never answers
      } else {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            kind: 'Status',
            status: 'Failure',
            message: 'pods is forbidden: User "relay" cannot list resource "pods"',
            reason: 'Forbidden',
            code: 403,
          }),
        )
      }
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

function kubeconfig(user: Record<string, string>, withCa = true): KubeConfig {
  const config = new KubeConfig()
  const base64 = (name: string) => readFileSync(join(dir, name)).toString('base64')
  config.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: url,
            ...(withCa ? { 'certificate-authority-data': base64('ca.crt') } : {}),
          },
        },
      ],
      users: [
        {
          name: 'u',
          user: Object.fromEntries(
            Object.entries(user).map(([k, v]) => [k, k.endsWith('-data') ? base64(v) : v]),
          ),
        },
      ],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    }),
  )
  return config
}

describe('the relay API server transport (node:https with the kubeconfig)', () => {
  it('verifies the server against the kubeconfig CA and sends the bearer token and its User-Agent', async () => {
    const transport = createKubeTransport(kubeconfig({ token: 'api-token' }), {
      userAgent: 'sidecar-injector-relay/1.2.3',
    })
    expect(await readServerVersion(transport.request)).toBe('v1.31.2')
    expect(seen.at(-1)).toEqual({
      path: '/version',
      authorization: 'Bearer api-token',
      userAgent: 'sidecar-injector-relay/1.2.3',
    })
  })

  it('authenticates with the client certificate of the kubeconfig', async () => {
    const transport = createKubeTransport(
      kubeconfig({ 'client-certificate-data': 'client.crt', 'client-key-data': 'client.key' }),
      { userAgent: 'relay' },
    )
    expect(await transport.request({ path: '/version', timeoutMs: 5000 })).toMatchObject({
      gitVersion: 'v1.31.2',
    })
    expect(seen.at(-1)?.clientCn).toBe('relay')
  })

  it('refuses a server whose certificate the kubeconfig does not vouch for', async () => {
    const transport = createKubeTransport(kubeconfig({ token: 'api-token' }, false), {
      userAgent: 'relay',
    })
    const error = await transport
      .request({ path: '/version', timeoutMs: 5000 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KubeApiError)
    expect((error as KubeApiError).status).toBeUndefined()
    expect((error as Error).message).toMatch(/self-signed|unable to verify|certificate/i)
  })

  it('turns an error answer into a KubeApiError with the status and the Status message', async () => {
    const transport = createKubeTransport(kubeconfig({ token: 'api-token' }), {
      userAgent: 'relay',
    })
    const error = await transport
      .request({ path: '/api/v1/pods', timeoutMs: 5000 })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      status: 403,
      message: 'HTTP 403: pods is forbidden: User "relay" cannot list resource "pods"',
    })
    const denied = createKubeTransport(kubeconfig({ token: 'wrong' }), { userAgent: 'relay' })
    await expect(denied.request({ path: '/version', timeoutMs: 5000 })).rejects.toMatchObject({
      status: 401,
      message: 'HTTP 401: Unauthorized',
    })
  })

  it('gives up on a silent server after the timeout, without the token in the message', async () => {
    const transport = createKubeTransport(kubeconfig({ token: 'api-token' }), {
      userAgent: 'relay',
    })
    await expect(transport.request({ path: '/slow', timeoutMs: 200 })).rejects.toThrow(
      'no answer from the API server within 200 ms',
    )
  })

  it('opens a watch stream and hands it over once the headers are in', async () => {
    const transport = createKubeTransport(kubeconfig({ token: 'api-token' }), {
      userAgent: 'relay',
    })
    const res = await transport.open({
      path: '/api/v1/namespaces/x/configmaps',
      query: { watch: 'true', resourceVersion: '5' },
      headersTimeoutMs: 5000,
      signal: new AbortController().signal,
    })
    expect(res.statusCode).toBe(200)
    expect(await readText(res)).toBe(
      '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n',
    )
  })
})
