import { webcrypto } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import { repositoryRoot, runCli } from '../support/cli-run.ts'

const SECRET = 'test-secret-of-at-least-32-characters-long'
const WORKER = 'https://sidecar-injector.example.workers.dev'
const scratch = mkdtempSync(join(tmpdir(), 'cli-webhook-'))
const tokenFile = join(scratch, 'admit-token')
writeFileSync(tokenFile, 'AdmitTokenForTheGoldenFile_0123456789abcdef\n')
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The command for cluster prod-eu with the test's admit token file. */
const PROD_EU = [
  'webhook-config',
  '--worker',
  WORKER,
  '--cluster',
  'prod-eu',
  '--token-file',
  tokenFile,
]

function golden(name: string): string {
  return readFileSync(resolve(repositoryRoot, 'test/golden', name), 'utf8')
}

describe('webhook-config', () => {
  it('prints the golden MutatingWebhookConfiguration for the defaults', async () => {
    const run = await runCli(PROD_EU)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(golden('webhook-config.yaml'))
  })

  it('prints the golden configuration with every flag set', async () => {
    const run = await runCli([
      'webhook-config',
      `--worker=${WORKER}/`,
      '--cluster=staging',
      `--token-file=${tokenFile}`,
      '--annotation-namespace=sidecars.example.com',
      '--relay-namespace=injector-relay',
      '--exclude-namespace=monitoring',
      '--exclude-namespace=kube-system',
      '--exclude-namespace=istio-system',
    ])
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(golden('webhook-config-flags.yaml'))
  })

  it.each([['webhook-config.yaml'], ['webhook-config-flags.yaml']])(
    '%s validates against the Kubernetes schema and holds the contract',
    (name) => {
      const object = parse(golden(name))
      expect(() => new MutatingWebhookConfiguration(object).validate()).not.toThrow()
      const [webhook, ...rest] = object.webhooks
      expect(rest).toEqual([])
      expect(webhook).toMatchObject({
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 5,
        reinvocationPolicy: 'Never',
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
        ],
      })
      expect(webhook.clientConfig).not.toHaveProperty('caBundle')
      const [selector] = webhook.namespaceSelector.matchExpressions
      expect(selector).toMatchObject({ key: 'kubernetes.io/metadata.name', operator: 'NotIn' })
      expect(selector.values).toEqual(expect.arrayContaining(['kube-system', 'kube-public']))
      expect(new Set(selector.values).size).toBe(selector.values.length)
    },
  )

  it.each([
    ['injector.tumblr.com', 'inject.injector.tumblr.com'],
    ['example.com', 'inject.example.com'],
    ['injector', 'inject.injector.sidecar-injector'],
  ])(
    'names the webhook for --annotation-namespace=%s with three or more labels',
    async (ns, name) => {
      const run = await runCli([...PROD_EU, '--annotation-namespace', ns])
      expect(run.code).toBe(0)
      const object = parse(run.stdout)
      expect(object.webhooks[0].name).toBe(name)
      expect(object.webhooks[0].name.split('.').length).toBeGreaterThanOrEqual(3)
    },
  )

  it('derives the admit token from INJECTOR_SECRET exactly as the Worker does', async () => {
    const run = await runCli(['webhook-config', '--worker', WORKER, '--cluster', 'prod-eu'], {
      env: { INJECTOR_SECRET: SECRET },
    })
    expect(run.code).toBe(0)
    const tokens = await deriveClusterTokens(SECRET, 'prod-eu', webcrypto.subtle)
    const url = parse(run.stdout).webhooks[0].clientConfig.url
    expect(url).toBe(`${WORKER}/v1/admit/prod-eu/${tokens.admit}`)
    expect(run.stdout).not.toContain(tokens.sync)
  })

  it('prefers --token-file over INJECTOR_SECRET', async () => {
    const run = await runCli(
      ['webhook-config', '--worker', WORKER, '--cluster', 'prod-eu', '--token-file', tokenFile],
      { env: { INJECTOR_SECRET: SECRET } },
    )
    expect(run.stdout).toBe(golden('webhook-config.yaml'))
  })

  it('says in --help where the token comes from', async () => {
    const run = await runCli(['webhook-config', '--help'])
    expect(run.stdout).toContain('INJECTOR_SECRET')
    expect(run.stdout).toContain('--token-file')
  })

  it.each([
    [['--cluster', 'a'], {}, "error: required option '--worker <url>' not specified"],
    [
      ['--worker', 'http://worker.example', '--cluster', 'a'],
      {},
      'error: --worker: must start with https:// (the API server only calls https webhooks)',
    ],
    [
      ['--worker', `${WORKER}/?x=1`, '--cluster', 'a'],
      {},
      'error: --worker: give the base URL only, without query, fragment or credentials',
    ],
    [
      ['--worker', 'not a url', '--cluster', 'a'],
      {},
      'error: --worker: "not a url" is not a URL (expected e.g. https://injector.example.com)',
    ],
    [
      ['--worker', WORKER, '--cluster', 'Prod_EU'],
      { INJECTOR_SECRET: SECRET },
      'error: --cluster "Prod_EU": must be lowercase letters, digits and "-", starting and ending with a letter or digit',
    ],
    [
      ['--worker', WORKER, '--cluster', 'a'],
      {},
      'error: INJECTOR_SECRET is not set: export the Worker secret to derive tokens',
    ],
    [
      ['--worker', WORKER, '--cluster', 'a'],
      { INJECTOR_SECRET: 'short' },
      'error: INJECTOR_SECRET: must be at least 32 characters',
    ],
    [
      ['--worker', WORKER, '--cluster', 'a', '--token-file', 'no/such/token'],
      {},
      'error: --token-file: cannot read no/such/token (ENOENT)',
    ],
    [
      ['--worker', WORKER, '--cluster', 'a', '--annotation-namespace', 'Bad/Prefix'],
      { INJECTOR_SECRET: SECRET },
      'error: --annotation-namespace: "Bad/Prefix" must be a DNS subdomain such as injector.tumblr.com',
    ],
    [
      ['--worker', WORKER, '--cluster', 'a', '--exclude-namespace', 'Not_A_Namespace'],
      { INJECTOR_SECRET: SECRET },
      'error: namespace "Not_A_Namespace" is not a valid Kubernetes namespace name',
    ],
  ])('%j fails with one clear line', async (args, env, message) => {
    const run = await runCli(['webhook-config', ...args], { env })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })
})
