import { createHmac, webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../../cli/cli-io.ts'
import { runCli } from '../../cli/program.ts'
import { deriveClusterTokens, deriveFleetToken } from '../../shared/cluster-token.ts'

// Known answers: every deployed webhook URL and relay token is one of these values. They were
// computed once and checked against node:crypto's HMAC; a change here breaks every cluster.
const KNOWN = [
  {
    secret: 'known-answer-secret-0123456789abcdef',
    cluster: 'prod-eu',
    admit: '-VWsZ2QSL6p97EGYfGqNZUot8-YLgsr7aEfdIpgKdMU',
    sync: '970pLe6eiXzS9-Qtj-Lr3IqWKjSRIFoEIPJEYaITXKM',
  },
  {
    secret: 'Geheimnis-über-alles-ключ-🔑-0123456789',
    cluster: 'staging',
    admit: 'Fqg_KDNbHN7ZaOSU2NOFko8VkQ_Yqc5odOVrJuffKS0',
    sync: 'f7dEGtrEQqUPrOyQXcBsDTvk6izEEfJqjMlhO5ICwM0',
  },
  {
    secret: '0000000000000000000000000000000000000000000000000000000000000000',
    cluster: 'shared',
    admit: 'uoPFeD9X7PKyVPzzZK2tfa2bsQg-SuyMYTOtsR-BTkY',
    sync: 'fD3oZ8U5spePT92T_XL1O9cu7-hrdXEuX9_ETd7sHxQ',
  },
  {
    secret: 'tab\tand space and NUL-free secret, 32+',
    cluster: 'a',
    admit: 'v4-JMwWXnLsmLPDyL4HC6CIVWzuoaiAfMJJ6KBcunEo',
    sync: 'Ur1uhORAKWPRCgQKcQRh6oS3DzLpx66yCZtS0SB3kic',
  },
] as const

describe('deriveClusterTokens', () => {
  it.each(KNOWN)('$cluster under "$secret" gives the known tokens', async (known) => {
    const tokens = await deriveClusterTokens(known.secret, known.cluster, webcrypto.subtle)
    expect(tokens).toEqual({ admit: known.admit, sync: known.sync })
  })

  it.each(KNOWN)('the known tokens of $cluster are HMAC-SHA256(secret, label NUL cluster)', (k) => {
    // An independent derivation, so the table above cannot drift from the documented rule.
    const hmac = (label: string) =>
      createHmac('sha256', Buffer.from(k.secret, 'utf8'))
        .update(Buffer.from(`sidecar-injector/v1/${label}\0${k.cluster}`, 'utf8'))
        .digest('base64url')
    expect({ admit: hmac('admit'), sync: hmac('sync') }).toEqual({ admit: k.admit, sync: k.sync })
  })

  it('derives a lone surrogate in a secret as U+FFFD, the bytes TextEncoder gives it', async () => {
    const secret = 'lone-surrogate-secret-0123456789-'
    const [lone, replaced] = await Promise.all([
      deriveClusterTokens(`${secret}\ud800`, 'prod-eu', webcrypto.subtle),
      deriveClusterTokens(`${secret}\ufffd`, 'prod-eu', webcrypto.subtle),
    ])
    expect(lone).toEqual(replaced)
  })
})

// Known answers for the fleet token: every `status` command and Prometheus scrape config holds one.
const KNOWN_FLEET = [
  {
    secret: 'known-answer-secret-0123456789abcdef',
    fleet: 'n7YDxs4EPB9ShAD1sBcURGLOvk4_9PiAGWcNs9OulZo',
  },
  {
    secret: 'Geheimnis-über-alles-ключ-🔑-0123456789',
    fleet: '7t4_w8b_Xy83uetJBmSM63zSHUzMG7JZ5pOXRU_cAQE',
  },
  {
    secret: '0000000000000000000000000000000000000000000000000000000000000000',
    fleet: 'EBz6RuJ6b238XfykBuupvFTjTGf2_4jCk3g2DrLIBAM',
  },
] as const

describe('deriveFleetToken', () => {
  it.each(KNOWN_FLEET)('under "$secret" gives the known fleet token', async (known) => {
    expect(await deriveFleetToken(known.secret, webcrypto.subtle)).toBe(known.fleet)
  })

  it.each(KNOWN_FLEET)('the known fleet token is HMAC-SHA256(secret, fleet label)', (k) => {
    const hmac = createHmac('sha256', Buffer.from(k.secret, 'utf8'))
      .update(Buffer.from('sidecar-injector/v1/fleet', 'utf8'))
      .digest('base64url')
    expect(hmac).toBe(k.fleet)
  })

  it('is none of any cluster token, whatever the cluster is named', async () => {
    for (const known of KNOWN) {
      const fleet = await deriveFleetToken(known.secret, webcrypto.subtle)
      expect([known.admit, known.sync]).not.toContain(fleet)
      // A cluster named like the label still gets its own tokens.
      const tokens = await deriveClusterTokens(known.secret, 'fleet', webcrypto.subtle)
      expect([tokens.admit, tokens.sync]).not.toContain(fleet)
    }
  })
})

describe('sidecar-injector token', () => {
  it('prints the fleet token bare with --fleet', async () => {
    const [known] = KNOWN_FLEET
    const out: string[] = []
    const io: CliIo = {
      out: (text) => out.push(text),
      err: (text) => out.push(text),
      env: { INJECTOR_SECRET: known.secret },
      fetch: () => Promise.reject(new Error('the token command must not call the network')),
      subtle: webcrypto.subtle,
    }
    expect(await runCli(['token', '--fleet'], io)).toBe(0)
    expect(out.join('')).toBe(`${known.fleet}\n`)
    out.length = 0
    expect(await runCli(['token', '--fleet', '--cluster', 'a'], io)).not.toBe(0)
    expect(out.join('')).toMatch(/--fleet.*--cluster|--cluster.*--fleet/)
    out.length = 0
    expect(await runCli(['token'], io)).not.toBe(0)
    expect(out.join('')).toContain('--cluster')
  })

  it('prints the known tokens of a cluster', async () => {
    const [known] = KNOWN
    const out: string[] = []
    const err: string[] = []
    const io: CliIo = {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: { INJECTOR_SECRET: known.secret },
      fetch: () => Promise.reject(new Error('the token command must not call the network')),
      subtle: webcrypto.subtle,
    }
    const code = await runCli(['token', '--cluster', known.cluster], io)
    expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' })
    expect(out.join('')).toBe(`cluster: prod-eu\nadmit: ${known.admit}\nsync: ${known.sync}\n`)
  })
})
