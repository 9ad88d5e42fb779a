import { webcrypto } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-models/admissionregistration.k8s.io/v1'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import { repositoryRoot, runCli } from '../support/cli-run.ts'
import { kubectlRead } from '../support/kubectl-read.ts'

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

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it after a deliberate change. */
function expectGolden(text: string, name: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(resolve(repositoryRoot, 'test/golden', name), text)
  }
  expect(text).toBe(golden(name))
}

/** The documents of a multi-document YAML text, as plain objects. */
// biome-ignore lint/suspicious/noExplicitAny: the tests walk the parsed manifests freely
function documentsOf(text: string): any[] {
  return parseAllDocuments(text).map((document) => document.toJS())
}

describe('webhook-config', () => {
  it('prints the golden webhook configurations for the defaults', async () => {
    const run = await runCli(PROD_EU)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expectGolden(run.stdout, 'webhook-config.yaml')
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
      '--configmap-labels=app=sidecars',
      '--configmap-labels=tier=platform,example.com/team=infra',
    ])
    expect(run.stderr).toBe('')
    expectGolden(run.stdout, 'webhook-config-flags.yaml')
  })

  it.each([['webhook-config.yaml'], ['webhook-config-flags.yaml']])(
    '%s is read by kubectl as exactly the two objects printed',
    async (name) => {
      const objects = await kubectlRead(golden(name))
      expect(objects).toEqual(documentsOf(golden(name)))
      expect(objects.map((o) => o.kind)).toEqual([
        'MutatingWebhookConfiguration',
        'ValidatingWebhookConfiguration',
      ])
    },
  )

  it.each([['webhook-config.yaml'], ['webhook-config-flags.yaml']])(
    '%s validates against the Kubernetes schema and holds the mutating contract',
    (name) => {
      const [object] = documentsOf(golden(name))
      expect(() => new MutatingWebhookConfiguration(object).validate()).not.toThrow()
      const [webhook, byNamespace, ...rest] = object.webhooks
      expect(rest).toEqual([])
      expect(byNamespace.name).toBe(webhook.name.replace(/^inject\./, 'inject-default.'))
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
    ['webhook-config.yaml', 'injector.tumblr.com'],
    ['webhook-config-flags.yaml', 'sidecars.example.com'],
  ])(
    '%s sends pods without a request only from labelled namespaces, and never opted-out ones',
    (name, prefix) => {
      const [mutating] = documentsOf(golden(name))
      const [first, second] = mutating.webhooks
      // The same endpoint and failure policy; only what the API server sends differs.
      expect(second.clientConfig).toEqual(first.clientConfig)
      expect(second.rules).toEqual(first.rules)
      for (const key of ['failurePolicy', 'sideEffects', 'timeoutSeconds', 'reinvocationPolicy']) {
        expect(second[key]).toEqual(first[key])
      }
      const [excluded, label, ...more] = second.namespaceSelector.matchExpressions
      expect(more).toEqual([])
      expect(excluded).toEqual(first.namespaceSelector.matchExpressions[0])
      expect(label).toEqual({ key: `${prefix}/inject`, operator: 'In', values: ['enabled'] })
      const annotations = 'object.metadata.annotations'
      expect(second.matchConditions).toEqual([
        {
          name: 'no-own-request',
          expression: `!has(${annotations}) || !('${prefix}/request' in ${annotations})`,
        },
        {
          name: 'not-opted-out',
          expression: `!has(${annotations}) || !('${prefix}/inject' in ${annotations}) || ${annotations}['${prefix}/inject'].trim().lowerAscii() != 'false'`,
        },
        first.matchConditions[1],
      ])
      // The first webhook keeps sending exactly the pods that carry a request.
      expect(first.matchConditions[0]).toEqual({
        name: 'requests-injection',
        expression: `has(${annotations}) && '${prefix}/request' in ${annotations}`,
      })
    },
  )

  it.each([
    ['webhook-config.yaml', 'prod-eu', { app: 'k8s-sidecar-injector' }],
    [
      'webhook-config-flags.yaml',
      'staging',
      { app: 'sidecars', tier: 'platform', 'example.com/team': 'infra' },
    ],
  ])(
    '%s validates against the Kubernetes schema and holds the validating contract',
    (name, cluster, labels) => {
      const [mutating, validating, ...rest] = documentsOf(golden(name))
      expect(rest).toEqual([])
      expect(() => new ValidatingWebhookConfiguration(validating).validate()).not.toThrow()
      const [webhook, ...others] = validating.webhooks
      expect(others).toEqual([])
      expect(webhook).toMatchObject({
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 5,
        rules: [
          {
            operations: ['CREATE', 'UPDATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['configmaps'],
          },
        ],
      })
      // The same admit token as the mutating webhook, on the validate route.
      const admitUrl: string = mutating.webhooks[0].clientConfig.url
      expect(webhook.clientConfig.url).toBe(
        admitUrl.replace(`/v1/admit/${cluster}/`, `/v1/validate/${cluster}/`),
      )
      expect(webhook.name).toBe(mutating.webhooks[0].name.replace(/^inject\./, 'validate.'))
      const [condition, ...more] = webhook.matchConditions
      expect(more).toEqual([])
      const pairs = Object.entries(labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(
          ([k, v]) =>
            `'${k}' in object.metadata.labels && object.metadata.labels['${k}'] == '${v}'`,
        )
      expect(condition).toEqual({
        name: 'sidecar-configmap',
        expression: ['has(object.metadata.labels)', ...pairs].join(' && '),
      })
    },
  )

  it.each([
    [
      ['--configmap-labels', 'app=a', '--configmap-labels', 'app=b'],
      'error: --configmap-labels: label "app" is given twice with different values',
    ],
    [['--configmap-labels', 'app'], 'error: --configmap-labels: "app" is not key=value'],
    [
      ['--configmap-labels', "app=it's"],
      'error: --configmap-labels: label value "it\'s" of "app" is not a valid label value',
    ],
  ])('%j fails with one clear line', async (flags, message) => {
    const run = await runCli([...PROD_EU, ...flags])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })

  it.each([
    ['injector.tumblr.com', 'inject.injector.tumblr.com'],
    ['example.com', 'inject.example.com'],
    ['injector', 'inject.injector.sidecar-injector'],
  ])(
    'names the webhook for --annotation-namespace=%s with three or more labels',
    async (ns, name) => {
      const run = await runCli([...PROD_EU, '--annotation-namespace', ns])
      expect(run.code).toBe(0)
      const [mutating, validating] = documentsOf(run.stdout)
      expect(mutating.webhooks[0].name).toBe(name)
      expect(mutating.webhooks[0].name.split('.').length).toBeGreaterThanOrEqual(3)
      expect(validating.webhooks[0].name).toBe(name.replace(/^inject\./, 'validate.'))
    },
  )

  it('derives the admit token from INJECTOR_SECRET exactly as the Worker does', async () => {
    const run = await runCli(['webhook-config', '--worker', WORKER, '--cluster', 'prod-eu'], {
      env: { INJECTOR_SECRET: SECRET },
    })
    expect(run.code).toBe(0)
    const tokens = await deriveClusterTokens(SECRET, 'prod-eu', webcrypto.subtle)
    const [mutating, validating] = documentsOf(run.stdout)
    expect(mutating.webhooks[0].clientConfig.url).toBe(`${WORKER}/v1/admit/prod-eu/${tokens.admit}`)
    expect(validating.webhooks[0].clientConfig.url).toBe(
      `${WORKER}/v1/validate/prod-eu/${tokens.admit}`,
    )
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
