// history, rollback and unpin, in process, against the real Worker in workerd (Miniflare, with
// its scope objects and KV in memory).
import { webcrypto } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import type { RevisionList } from '../../shared/revision-api.ts'
import { runCli } from '../support/cli-run.ts'
import type { LocalWorker } from '../support/local-worker.ts'
import { startMiniflareWorker } from '../support/miniflare-worker.ts'

const SECRET = 'cli-history-test-secret-0123456789abcdef'
const scratch = mkdtempSync(join(tmpdir(), 'cli-history-'))
const tokenFile = join(scratch, 'sync-token')
let worker: LocalWorker
let sync: string

beforeAll(async () => {
  worker = await startMiniflareWorker({ secret: SECRET })
  sync = (await deriveClusterTokens(SECRET, 'staging', webcrypto.subtle)).sync
  writeFileSync(tokenFile, `${sync}\n`)
}, 60_000)

afterAll(async () => {
  await worker?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

const scope = () => ['--worker', worker.url, '--cluster', 'staging', '--token-file', tokenFile]
const run = (command: string, ...args: string[]) => runCli([command, ...scope(), ...args])

/** Waits out KV's one write per second to the scope, so the next change publishes at once. */
async function quiet(): Promise<void> {
  await settled()
  await new Promise((resolve) => setTimeout(resolve, 1100))
}

/**
 * Waits until KV holds the served revision: the scope object publishes a second write within
 * KV's second by alarm, a moment later.
 */
async function settled(): Promise<RevisionList> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${worker.url}/v1/clusters/staging/revisions`, {
      headers: { authorization: `Bearer ${sync}` },
    })
    const list = (await response.json()) as RevisionList
    if (!list.publishPending || attempt > 100) return list
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('history, rollback and unpin against a real Worker', () => {
  it('says when a scope has no revisions yet', async () => {
    const history = await run('history')
    expect(history).toEqual({ code: 0, stdout: 'staging: no revisions yet\n', stderr: '' })
  })

  it('lists each push as a revision, newest first, the served one marked', async () => {
    const first = await run('push', 'examples/configs/')
    expect(first.stdout.split('\n').at(-2)).toBe(
      'staging: 3 stored, 0 removed; revision 1; KV 0 reads, 1 write',
    )
    await settled()
    const second = await run('push', 'examples/configs/logger.yaml')
    expect(second.stdout.split('\n').at(-2)).toMatch(
      /^staging: 1 stored, 2 removed; revision 2(; KV 0 reads, 1 write|, served within seconds; KV 0 reads, 0 writes)$/,
    )
    await settled()
    const history = await run('history')
    expect(history.stderr).toBe('')
    const lines = history.stdout.split('\n')
    expect(lines[0]).toBe('staging: serving revision 2')
    expect(lines[1]).toMatch(
      /^REVISION {2}TIME {22}ORIGIN {2}BY {3}CONFIGS {2}ADDED {2}CHANGED {2}REMOVED$/,
    )
    expect(lines[2]).toMatch(
      /^2 {9}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}push {4}cli {2}1 {8}0 {6}0 {8}2 {8}served$/,
    )
    expect(lines[3]).toMatch(/^1 {9}\S+ {2}push {4}cli {2}3 {8}3 {6}0 {8}0$/)
    expect(lines.slice(4)).toEqual([''])

    const json = await run('history', '--output', 'json', '--limit', '1')
    const list = JSON.parse(json.stdout) as RevisionList
    expect(list).toMatchObject({ cluster: 'staging', headRevision: 2, servedRevision: 2, next: 2 })
    expect(list.revisions.map((r) => r.revision)).toEqual([2])
  })

  it('rolls back and pins: the next push is recorded, not served, until unpin', async () => {
    await quiet()
    const rollback = await run('rollback', '--to', '1')
    expect(rollback).toEqual({
      code: 0,
      stdout:
        'staging: serving revision 3, the configs of revision 1; pinned: pushes are recorded, not served, until `sidecar-injector unpin --cluster staging`\n',
      stderr: '',
    })
    await settled()
    const push = await run('push', 'examples/configs/logger.yaml')
    expect(push.stdout.split('\n').at(-2)).toBe(
      'staging: 1 stored, 2 removed; revision 4; KV 0 reads, 0 writes; recorded but not served: the scope is pinned by a rollback until `sidecar-injector unpin --cluster staging`',
    )
    const history = await run('history')
    const lines = history.stdout.split('\n')
    expect(lines[0]).toBe(
      'staging: serving revision 3; pinned: pushes are recorded, not served, until `sidecar-injector unpin --cluster staging`',
    )
    expect(lines[2]).toMatch(/^4 +\S+ +push +cli +1 +0 +0 +2$/)
    expect(lines[3]).toMatch(/^3 +\S+ +rollback of 1 +cli +3 +2 +0 +0 +served$/)

    const again = await run('rollback', '--to', '3')
    expect(again.stdout).toBe(
      'staging: the configs of revision 3 are served already (revision 3); nothing written; pinned: pushes are recorded, not served, until `sidecar-injector unpin --cluster staging`\n',
    )

    await quiet()
    const unpin = await run('unpin')
    expect(unpin).toEqual({
      code: 0,
      stdout: 'staging: unpinned; serving revision 5, the latest push\n',
      stderr: '',
    })
    const list = await settled()
    expect(list).toMatchObject({ headRevision: 5, servedRevision: 5, pinned: false })
    expect(list.revisions[0]).toMatchObject({ origin: 'unpin', from: 4, configs: 1 })
    expect((await run('unpin')).stdout).toBe('staging: unpinned; revision 5 stays served\n')
  })

  it.each([
    [
      ['rollback', '--to', '99'],
      'error: the Worker answered 404: scope "staging" has no revision 99; it keeps revisions 1 to 5\n',
    ],
    [['rollback', '--to', 'abc'], 'error: --to: "abc" is not a revision number (1 or more)\n'],
    [['rollback', '--to', '0'], 'error: --to: "0" is not a revision number (1 or more)\n'],
    [
      ['history', '--limit', '1001'],
      'error: --limit: "1001" is not a whole number from 1 to 1000\n',
    ],
  ])('%j fails with one line', async ([command = '', ...args], stderr) => {
    const result = await run(command, ...args)
    expect(result).toEqual({ code: 1, stdout: '', stderr })
  })

  it('refuses another cluster’s token with the same line as push', async () => {
    const result = await runCli(
      ['history', '--worker', worker.url, '--cluster', 'production', '--token-file', tokenFile],
      {},
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'error: the Worker refused the sync token (401); check --cluster and the token\n',
    )
  })

  it('refuses an --output it does not know', async () => {
    const result = await run('history', '--output', 'yaml')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/--output <format>' argument 'yaml' is invalid/)
  })
})
