import { webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import { runCli } from '../support/cli-run.ts'

const SECRET = 'test-secret-of-at-least-32-characters-long'

describe('token', () => {
  it('prints the admit and sync tokens the Worker derives for the cluster', async () => {
    const run = await runCli(['token', '--cluster', 'prod-eu'], {
      env: { INJECTOR_SECRET: SECRET },
    })
    const tokens = await deriveClusterTokens(SECRET, 'prod-eu', webcrypto.subtle)
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`cluster: prod-eu\nadmit: ${tokens.admit}\nsync: ${tokens.sync}\n`)
    expect(tokens.admit).not.toBe(tokens.sync)
  })

  it.each([['admit'], ['sync']] as const)('--only %s prints that token alone', async (which) => {
    const run = await runCli(['token', '--cluster', 'shared', '--only', which], {
      env: { INJECTOR_SECRET: SECRET },
    })
    const tokens = await deriveClusterTokens(SECRET, 'shared', webcrypto.subtle)
    expect(run.stdout).toBe(`${tokens[which]}\n`)
  })

  it('gives each cluster its own tokens', async () => {
    const env = { INJECTOR_SECRET: SECRET }
    const [a, b] = await Promise.all([
      runCli(['token', '--cluster', 'a', '--only', 'sync'], { env }),
      runCli(['token', '--cluster', 'b', '--only', 'sync'], { env }),
    ])
    expect(a.stdout).not.toBe(b.stdout)
  })

  it.each([
    [
      ['--cluster', 'a'],
      {},
      'error: INJECTOR_SECRET is not set: export the Worker secret to derive tokens',
    ],
    [
      ['--cluster', 'a'],
      { INJECTOR_SECRET: 'x'.repeat(31) },
      'error: INJECTOR_SECRET: must be at least 32 characters',
    ],
    [
      ['--cluster', 'a/b'],
      { INJECTOR_SECRET: SECRET },
      'error: --cluster "a/b": must be lowercase letters, digits and "-", starting and ending with a letter or digit',
    ],
    [
      ['--cluster', 'a', '--only', 'both'],
      { INJECTOR_SECRET: SECRET },
      'error: --only: expected "admit" or "sync", got "both"',
    ],
    [
      [],
      { INJECTOR_SECRET: SECRET },
      'error: --cluster <name> is required (or --fleet for the fleet token)',
    ],
  ])('%j fails with one clear line and prints no token', async (args, env, message) => {
    const run = await runCli(['token', ...args], { env })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })
})
