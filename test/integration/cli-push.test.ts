import { webcrypto } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import type { StoredConfigList } from '../../shared/ingest-api.ts'
import type { RevisionList } from '../../shared/revision-api.ts'
import { repositoryRoot, runCli } from '../support/cli-run.ts'
import { freePort } from '../support/free-port.ts'
import { podCreateReview } from '../support/pod-review.ts'
import { startWorker, type WorkerProcess } from '../support/worker-process.ts'

const SECRET = 'cli-push-test-secret-0123456789abcdef'
const scratch = mkdtempSync(join(tmpdir(), 'cli-push-'))
const tokenFile = join(scratch, 'sync-token')
let worker: WorkerProcess
let tokens: { admit: string; sync: string }

beforeAll(async () => {
  worker = await startWorker({ secret: SECRET, vars: { INJECTOR_CACHE_TTL_SECONDS: '0' } })
  tokens = await deriveClusterTokens(SECRET, 'staging', webcrypto.subtle)
  writeFileSync(tokenFile, `${tokens.sync}\n`)
})

afterAll(async () => {
  await worker?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

function push(args: readonly string[], env: Record<string, string> = {}) {
  return runCli(['push', '--worker', worker.url, '--cluster', 'staging', ...args], { env })
}

/**
 * What KV serves for the scope, once it serves the last push: a push within KV's second of the
 * previous write is published by the scope's object a moment later.
 */
async function stored(): Promise<StoredConfigList> {
  const headers = { authorization: `Bearer ${tokens.sync}` }
  await vi.waitFor(
    async () => {
      const history = await fetch(`${worker.url}/v1/clusters/staging/revisions?limit=1`, {
        headers,
      })
      expect(((await history.json()) as RevisionList).publishPending).toBe(false)
    },
    { timeout: 10_000, interval: 100 },
  )
  const response = await fetch(`${worker.url}/v1/clusters/staging/configs`, {
    headers: { authorization: `Bearer ${tokens.sync}` },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as StoredConfigList
}

describe('push against a real Worker', () => {
  it('stores every config of the folder and says so per config', async () => {
    const run = await push(['--token-file', tokenFile, 'examples/configs/'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      'accepted  logger:v1  examples/configs/logger.yaml\n' +
        'accepted  base:v1  examples/configs/shared/base.yaml\n' +
        'accepted  metrics:v1  examples/configs/shared/metrics.yaml\n' +
        'staging: 3 stored, 0 removed; revision 1; KV 0 reads, 1 write\n',
    )
    const list = await stored()
    expect(list.configs.map((c) => c.ref).sort()).toEqual(['base:v1', 'logger:v1', 'metrics:v1'])
    expect(list.configs.find((c) => c.ref === 'logger:v1')?.source).toEqual({
      kind: 'File',
      path: 'examples/configs/logger.yaml',
    })
  })

  it('the pushed configs are served at admission', async () => {
    const pod = parse(readFileSync(resolve(repositoryRoot, 'docs/examples/pod.yaml'), 'utf8'))
    const review = podCreateReview(pod, { uid: 'cli-push', namespace: 'shop' })
    const response = await fetch(`${worker.url}/v1/admit/staging/${tokens.admit}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(review),
    })
    const answer = (await response.json()) as { response: { allowed: boolean; patch?: string } }
    expect(answer.response.allowed).toBe(true)
    const patch = JSON.parse(Buffer.from(answer.response.patch ?? '', 'base64').toString('utf8'))
    expect(patch).toContainEqual(
      expect.objectContaining({
        op: 'add',
        path: '/spec/containers/-',
        value: expect.objectContaining({ name: 'logger' }),
      }),
    )
  })

  it('preview --worker shows the decision made with the configs the Worker holds', async () => {
    const remote = ['--worker', worker.url, '--cluster', 'staging', '--token-file', tokenFile]
    const explained = await runCli([
      'preview',
      ...remote,
      '--pod',
      'docs/examples/deployment.yaml',
      '--explain',
    ])
    expect(explained.stdout).toBe(
      'namespace: shop\ndecision: inject\nconfigs: logger:v1, metrics:v1\npatch: 8 operations\n',
    )
    // Offline and on the Worker, the same configs give the same Deployment.
    const [onWorker, offline] = await Promise.all([
      runCli(['preview', ...remote, '--pod', 'docs/examples/deployment.yaml']),
      runCli([
        'preview',
        '--config',
        'examples/configs/',
        '--pod',
        'docs/examples/deployment.yaml',
      ]),
    ])
    expect(onWorker.code).toBe(0)
    expect(onWorker.stdout).toBe(offline.stdout)
    const skipped = await runCli([
      'preview',
      ...remote,
      '--pod',
      'docs/examples/pod.yaml',
      '--namespace',
      'kube-system',
      '--explain',
    ])
    expect(skipped.stdout).toMatch(
      /^namespace: kube-system\ndecision: skip\nreason: ignored_namespace\n/,
    )
  })

  it('the same set again is reported unchanged', async () => {
    const run = await push(['--token-file', tokenFile, 'examples/configs/'])
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n').at(-2)).toBe(
      'staging: unchanged; revision 1; KV 0 reads, 0 writes',
    )
  })

  it('takes the token from INJECTOR_SYNC_TOKEN and removes configs left out of the set', async () => {
    const run = await push(['examples/configs/shared/base.yaml', 'examples/configs/logger.yaml'], {
      INJECTOR_SYNC_TOKEN: tokens.sync,
    })
    expect(run.code).toBe(0)
    // Within KV's second of the last write, the scope's object publishes it a moment later.
    expect(run.stdout).toMatch(
      new RegExp(
        '^accepted  base:v1  examples/configs/shared/base\\.yaml\n' +
          'accepted  logger:v1  examples/configs/logger\\.yaml\n' +
          'removed   metrics:v1\n' +
          'staging: 2 stored, 1 removed; revision 2(; KV 0 reads, 1 write|, served within seconds; KV 0 reads, 0 writes)\n$',
      ),
    )
    expect((await stored()).configs.map((c) => c.ref).sort()).toEqual(['base:v1', 'logger:v1'])
  })

  it('prints the reasons of a rejected config and exits 1', async () => {
    const run = await push([
      '--token-file',
      tokenFile,
      'examples/configs/shared/base.yaml',
      'docs/examples/broken.yaml',
    ])
    expect(run.code).toBe(1)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe('accepted  base:v1  examples/configs/shared/base.yaml')
    expect(lines[1]).toMatch(
      /^rejected {2}.* {2}docs\/examples\/broken\.yaml: .*contaners: unknown field/,
    )
    // The scope's object takes a push at any time (no 429 to wait out): one line.
    expect(run.stderr).toBe('error: 1 config rejected\n')
  })

  it('never pushes a set with an unreadable ConfigMap', async () => {
    const file = join(scratch, 'nameless.yaml')
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\ndata: {}\n')
    const run = await push(['--token-file', tokenFile, file])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `error: ${file}: metadata.name: required for a ConfigMap (nothing pushed)\n`,
    )
    expect((await stored()).configs.map((c) => c.ref)).toEqual(['base:v1'])
  })

  it('clears the scope only with --allow-empty', async () => {
    const empty = join(scratch, 'empty')
    mkdirSync(empty)
    const refused = await push(['--token-file', tokenFile, empty])
    expect(refused.stderr).toBe(
      `error: no configs found in ${empty}; pass --allow-empty to clear the scope\n`,
    )
    const cleared = await push(['--token-file', tokenFile, '--allow-empty', empty])
    expect(cleared.code).toBe(0)
    expect(cleared.stdout).toMatch(
      /^removed {3}base:v1\nstaging: 0 stored, 1 removed; revision 4(; KV 0 reads, 1 write|, served within seconds; KV 0 reads, 0 writes)\n$/,
    )
  })

  it('prints the notes of an accepted config under it', async () => {
    const file = join(scratch, 'port.yaml')
    writeFileSync(file, 'name: port\nenv: [{name: PORT, value: 9090}]\n')
    const run = await push(['--token-file', tokenFile, 'examples/configs/shared/base.yaml', file])
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n').slice(1, 3)).toEqual([
      `accepted  port:latest  ${file}`,
      '  note: env[0].value: number read as the string "9090", as tumblr did; quote the value to keep it as written',
    ])
  })

  it.each([
    // Well formed, so it reaches the Worker: 43 base64url characters, but not this scope's.
    [
      'a wrong token',
      { INJECTOR_SYNC_TOKEN: 'WrongTokenOfTheRightShape_0123456789abcdefg' },
      [] as string[],
    ],
    ['another cluster’s token', {}, ['--cluster', 'production']],
  ])('refuses %s with one line', async (_, env, extra) => {
    const run = await runCli(
      ['push', '--worker', worker.url, '--cluster', 'staging', ...extra, 'examples/configs/'],
      { env: { INJECTOR_SYNC_TOKEN: tokens.sync, ...env } },
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^error: the Worker refused the sync token \(401\); check --cluster and the token\n$/,
    )
  })

  it('says when the Worker cannot be reached', async () => {
    const port = await freePort()
    const run = await runCli(
      ['push', '--worker', `http://127.0.0.1:${port}`, '--cluster', 'staging', 'examples/configs/'],
      { env: { INJECTOR_SYNC_TOKEN: tokens.sync } },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      new RegExp(`^error: cannot reach the Worker at http://127\\.0\\.0\\.1:${port}: .+\\n$`),
    )
  })

  it('needs a sync token', async () => {
    const run = await push(['examples/configs/'])
    expect(run.stderr).toBe('error: no sync token: pass --token-file or set INJECTOR_SYNC_TOKEN\n')
  })

  it('preview --worker --kubernetes-version decides the sidecar mode for that version', async () => {
    const canary = await deriveClusterTokens(SECRET, 'canary', webcrypto.subtle)
    const canaryToken = join(scratch, 'canary-token')
    writeFileSync(canaryToken, `${canary.sync}\n`)
    const config = join(scratch, 'tagger.yaml')
    writeFileSync(
      config,
      'name: tagger:v1\ncontainers:\n  - name: tagger\n    image: busybox:1.36\n    sidecarMode: auto\n    args: ["--tag=$' +
        '{cluster.name}"]\n',
    )
    const remote = ['--worker', worker.url, '--cluster', 'canary', '--token-file', canaryToken]
    const pushed = await runCli(['push', ...remote, config])
    expect(pushed.code).toBe(0)
    const pod = join(scratch, 'tagger-pod.yaml')
    writeFileSync(
      pod,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: { injector.tumblr.com/request: tagger:v1 }\nspec: { containers: [{ name: a, image: b }] }\n',
    )
    const explain = (flags: string[]) =>
      runCli(['preview', ...remote, '--pod', pod, '--explain', ...flags])
    expect((await explain(['--kubernetes-version', 'v1.29.2'])).stdout).toContain(
      'note: container "tagger" of "tagger:v1": native sidecar (init container, restartPolicy: Always) (auto: Kubernetes v1.29.2 is 1.29 or later)\n',
    )
    expect((await explain([])).stdout).toContain(
      "classic container (auto: the cluster's Kubernetes version is unknown)",
    )
    const mutated = await runCli([
      'preview',
      ...remote,
      '--pod',
      pod,
      '--kubernetes-version',
      'v1.28.0',
    ])
    expect(parse(mutated.stdout).spec.containers[1]).toEqual({
      name: 'tagger',
      image: 'busybox:1.36',
      args: ['--tag=canary'],
    })
  })
})
