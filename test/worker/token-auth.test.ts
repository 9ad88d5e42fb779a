import { describe, expect, it } from 'vitest'
import { parseClusterName } from '../../shared/cluster-name.ts'
import { deriveClusterTokens, equalsConstantTime } from '../../shared/cluster-token.ts'
import { OLD_SECRET, podReview, SECRET, testApp, tokensFor } from './harness.ts'

const NEW_SECRET = 'worker-test-new-secret-00112233445566778899'

describe('deriveClusterTokens', () => {
  it('gives distinct 256-bit base64url admit and sync tokens per cluster and secret', async () => {
    const a = await tokensFor('alpha')
    const b = await tokensFor('beta')
    const other = await tokensFor('alpha', OLD_SECRET)
    for (const token of [a.admit, a.sync]) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new Set([a.admit, a.sync, b.admit, b.sync, other.admit, other.sync]).size).toBe(6)
    expect(await deriveClusterTokens(SECRET, 'alpha', crypto.subtle)).toEqual(a)
  })

  it('gives the known tokens in workerd, and the Worker accepts them', async () => {
    // One of the known answers of test/unit/cluster-token.test.ts, through workerd's WebCrypto.
    const secret = 'known-answer-secret-0123456789abcdef'
    const known = {
      admit: '-VWsZ2QSL6p97EGYfGqNZUot8-YLgsr7aEfdIpgKdMU',
      sync: '970pLe6eiXzS9-Qtj-Lr3IqWKjSRIFoEIPJEYaITXKM',
    }
    expect(await deriveClusterTokens(secret, 'prod-eu', crypto.subtle)).toEqual(known)
    const { app } = testApp({ vars: { INJECTOR_SECRET: secret } })
    expect((await app.request(admitCall('prod-eu')(known.admit))).status).toBe(200)
    const list = syncCall('GET', '/v1/clusters/prod-eu/configs')(known.sync)
    expect((await app.request(list)).status).toBe(200)
  })

  it('compares tokens by content only', () => {
    expect(equalsConstantTime('abc', 'abc')).toBe(true)
    expect(equalsConstantTime('abc', 'abd')).toBe(false)
    expect(equalsConstantTime('abc', 'abcd')).toBe(false)
    expect(equalsConstantTime('', 'a')).toBe(false)
  })
})

describe('parseClusterName', () => {
  it.each([
    ['local', true],
    ['prod-eu-1', true],
    ['shared', true],
    ['a', true],
    ['Prod', false],
    ['a/b', false],
    ['..', false],
    ['a.b', false],
    ['-a', false],
    ['a-', false],
    ['', false],
    ['x'.repeat(64), false],
    ['a%2Fb', false],
  ])('%s -> valid %s', (text, valid) => {
    expect(parseClusterName(text).ok).toBe(valid)
  })
})

type Call = (token: string | undefined) => Request

const admitCall =
  (cluster: string): Call =>
  (token) =>
    new Request(`http://w/v1/admit/${cluster}${token === undefined ? '' : `/${token}`}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(podReview(undefined)),
    })

const syncCall =
  (method: string, path: string, body?: unknown): Call =>
  (token) =>
    new Request(`http://w${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

const routes: [string, 'admit' | 'sync', Call][] = [
  ['POST /v1/admit', 'admit', admitCall('alpha')],
  ['PUT configs', 'sync', syncCall('PUT', '/v1/clusters/alpha/configs', { configs: [] })],
  ['GET configs', 'sync', syncCall('GET', '/v1/clusters/alpha/configs')],
  ['POST preview', 'sync', syncCall('POST', '/v1/clusters/alpha/preview', podReview(undefined))],
]

describe.each(routes)('auth matrix: %s', (_name, kind, call) => {
  it('accepts its own token, under the current and the previous secret', async () => {
    const { app } = testApp({
      vars: { INJECTOR_SECRET: NEW_SECRET, INJECTOR_SECRET_PREVIOUS: SECRET },
    })
    const current = (await tokensFor('alpha', NEW_SECRET))[kind]
    const previous = (await tokensFor('alpha', SECRET))[kind]
    expect((await app.request(call(current))).status).toBe(200)
    expect((await app.request(call(previous))).status).toBe(200)
  })

  it('answers the same bare 401 to no token, a wrong one, the other kind, another cluster’s, a revoked secret’s', async () => {
    const { app } = testApp({
      vars: { INJECTOR_SECRET: NEW_SECRET, INJECTOR_SECRET_PREVIOUS: SECRET },
    })
    const own = await tokensFor('alpha', NEW_SECRET)
    const bad = [
      undefined,
      'not-a-token',
      `${own[kind]}x`,
      own[kind === 'admit' ? 'sync' : 'admit'],
      (await tokensFor('beta', NEW_SECRET))[kind],
      (await tokensFor('alpha', OLD_SECRET))[kind],
    ]
    for (const token of bad) {
      const res = await app.request(call(token))
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'unauthorized' })
    }
  })
})

describe('secret rotation', () => {
  it('rejects the previous secret’s tokens once INJECTOR_SECRET_PREVIOUS is unset', async () => {
    const { app } = testApp({ vars: { INJECTOR_SECRET: NEW_SECRET } })
    const old = await tokensFor('alpha', SECRET)
    const res = await app.request(admitCall('alpha')(old.admit))
    expect(res.status).toBe(401)
  })
})
