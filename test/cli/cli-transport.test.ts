import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-run.ts'
import { freePort } from '../support/free-port.ts'
import { BAD_TOKEN_TEXTS, TOKEN_A } from '../support/token-texts.ts'

// Token files and variables, http:// Worker URLs and the reserved `shared` name, for every
// command that sends a token: push, preview, history, rollback and unpin (sync token),
// webhook-config (admit token).
const SECRET = 'test-secret-of-at-least-32-characters-long'
const WORKER = 'https://sidecar-injector.example.workers.dev'
const scratch = mkdtempSync(join(tmpdir(), 'cli-transport-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let files = 0
function tokenFile(content: string): string {
  const path = join(scratch, `token-${++files}`)
  writeFileSync(path, content)
  return path
}

/** Each command with its Worker URL in front, needing only a token source after it. */
const COMMANDS = {
  push: (worker: string) => [
    'push',
    '--worker',
    worker,
    '--cluster',
    'prod-eu',
    'examples/configs/',
  ],
  preview: (worker: string) => [
    'preview',
    '--worker',
    worker,
    '--cluster',
    'prod-eu',
    '--pod',
    'docs/examples/pod.yaml',
  ],
  history: (worker: string) => ['history', '--worker', worker, '--cluster', 'prod-eu'],
  rollback: (worker: string) => [
    'rollback',
    '--worker',
    worker,
    '--cluster',
    'prod-eu',
    '--to',
    '3',
  ],
  unpin: (worker: string) => ['unpin', '--worker', worker, '--cluster', 'prod-eu'],
  'webhook-config': (worker: string) => [
    'webhook-config',
    '--worker',
    worker,
    '--cluster',
    'prod-eu',
  ],
} as const

/** The commands that send the sync token. */
const SYNC_COMMANDS = ['push', 'preview', 'history', 'rollback', 'unpin'] as const

/** Every word of the refused text that could be (part of) a token: long, with a digit. */
function secretsIn(text: string): string[] {
  return text.split(/[\s:="+]+/).filter((word) => word.length >= 10 && /\d/.test(word))
}

describe('a token file must hold exactly one token', () => {
  const cases = Object.keys(COMMANDS).flatMap((command) =>
    BAD_TOKEN_TEXTS.map(([what, content, problem]) => [command, what, content, problem] as const),
  )
  it.each(cases)('%s refuses a --token-file that %s', async (command, _, content, problem) => {
    const path = tokenFile(content)
    const args = [...COMMANDS[command as keyof typeof COMMANDS](WORKER), '--token-file', path]
    const run = await runCli(args)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`error: --token-file: ${path} ${problem}\n`)
    for (const secret of secretsIn(content)) expect(run.stderr).not.toContain(secret)
  })

  it('refuses a file holding the real `token` output, and names neither token', async () => {
    const token = await runCli(['token', '--cluster', 'prod-eu'], {
      env: { INJECTOR_SECRET: SECRET },
    })
    const path = tokenFile(token.stdout)
    for (const command of Object.values(COMMANDS)) {
      const run = await runCli([...command(WORKER), '--token-file', path])
      expect(run.stderr).toBe(
        `error: --token-file: ${path} holds the whole \`sidecar-injector token\` output; it must hold one token only, as printed by \`sidecar-injector token --only sync\` (or \`--only admit\`)\n`,
      )
      for (const secret of secretsIn(token.stdout)) expect(run.stderr).not.toContain(secret)
    }
  })

  const envCases = SYNC_COMMANDS.flatMap((command) =>
    BAD_TOKEN_TEXTS.filter(([, content]) => content.trim() !== '').map(
      ([what, content, problem]) => [command, what, content, problem] as const,
    ),
  )
  it.each(envCases)(
    '%s refuses INJECTOR_SYNC_TOKEN that %s',
    async (command, _, content, problem) => {
      const args = COMMANDS[command](WORKER)
      const run = await runCli(args, { env: { INJECTOR_SYNC_TOKEN: content } })
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(`error: INJECTOR_SYNC_TOKEN ${problem}\n`)
      for (const secret of secretsIn(content)) expect(run.stderr).not.toContain(secret)
    },
  )
})

describe('http:// only to a loopback Worker', () => {
  const refused = [
    ['http://sidecar-injector.example.workers.dev', 'sidecar-injector.example.workers.dev'],
    ['http://10.1.2.3:8787', '10.1.2.3'],
    ['http://0.0.0.0:8787', '0.0.0.0'],
    ['http://localhost.example.com:8787', 'localhost.example.com'],
  ] as const
  it.each(SYNC_COMMANDS.flatMap((c) => refused.map(([url, host]) => [c, url, host] as const)))(
    '%s refuses %s',
    async (command, url, host) => {
      const run = await runCli(COMMANDS[command](url), { env: { INJECTOR_SYNC_TOKEN: TOKEN_A } })
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(
        `error: --worker: http:// is refused for ${host}, which is not loopback (localhost, 127.0.0.0/8, ::1); use https:// so the token does not cross the network in clear\n`,
      )
    },
  )

  it.each(
    SYNC_COMMANDS.flatMap((c) =>
      ['127.0.0.1', '127.0.0.2', 'localhost', '[::1]'].map((host) => [c, host] as const),
    ),
  )('%s sends to http://%s (nothing listens there)', async (command, host) => {
    const port = await freePort()
    const origin = `http://${host}:${port}`
    const run = await runCli(COMMANDS[command](origin), { env: { INJECTOR_SYNC_TOKEN: TOKEN_A } })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^error: cannot reach the Worker at http:\/\/.+: .+\n$/)
    expect(run.stderr).not.toContain(TOKEN_A)
  })

  it('webhook-config refuses http:// even to loopback: the API server calls https only', async () => {
    const run = await runCli(COMMANDS['webhook-config']('http://127.0.0.1:8787'), {
      env: { INJECTOR_SECRET: SECRET },
    })
    expect(run.stderr).toBe(
      'error: --worker: must start with https:// (the API server only calls https webhooks)\n',
    )
  })
})

describe('`shared` is the fleet scope, not a cluster', () => {
  it('webhook-config refuses --cluster shared', async () => {
    const run = await runCli(['webhook-config', '--worker', WORKER, '--cluster', 'shared'], {
      env: { INJECTOR_SECRET: SECRET },
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'error: --cluster: "shared" is the fleet-wide config scope, not a cluster; give the name of the cluster whose API server calls the Worker\n',
    )
  })
})
