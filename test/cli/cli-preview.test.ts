// biome-ignore-all lint/suspicious/noTemplateCurlyInString: configs hold ${cluster.…} text, not templates
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import jsonPatch from 'fast-json-patch'
import { Deployment } from 'kubernetes-models/apps/v1'
import { Pod } from 'kubernetes-models/v1'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repositoryRoot, runCli } from '../support/cli-run.ts'
import { kubectlRead } from '../support/kubectl-read.ts'

const scratch = mkdtempSync(join(tmpdir(), 'cli-preview-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const configs = ['--config', 'examples/configs/']

function write(name: string, text: string): string {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

function readExample(name: string) {
  return parse(readFileSync(resolve(repositoryRoot, 'docs/examples', name), 'utf8'))
}

function containerNames(spec: { containers: { name: string }[] }): string[] {
  return spec.containers.map((c) => c.name)
}

describe('preview', () => {
  it('prints the injected Pod, valid against the Kubernetes schema', async () => {
    const run = await runCli(['preview', ...configs, '--pod', 'docs/examples/pod.yaml'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const pod = parse(run.stdout)
    expect(() => new Pod(pod).validate()).not.toThrow()
    expect(containerNames(pod.spec)).toEqual(['web', 'logger'])
    // env of the inherited fleet-wide base:v1 reaches the pod's own container too.
    expect(pod.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
      'LOG_FORMAT',
      'LOG_TOKEN',
    ])
    expect(pod.metadata.annotations['injector.tumblr.com/status']).toBe('injected')
  })

  it('--patch prints the JSON Patch that turns the Pod into the printed one', async () => {
    const [patchRun, podRun] = await Promise.all([
      runCli(['preview', ...configs, '--pod', 'docs/examples/pod.yaml', '--patch']),
      runCli(['preview', ...configs, '--pod', 'docs/examples/pod.yaml']),
    ])
    const patch = JSON.parse(patchRun.stdout)
    const applied = jsonPatch.applyPatch(readExample('pod.yaml'), patch, true, false).newDocument
    expect(applied).toEqual(parse(podRun.stdout))
  })

  it('quotes YAML 1.1 booleans and other ambiguous strings, so kubectl reads what the Worker sends', async () => {
    // Strings that a YAML 1.1 reader (kubectl) or Go's number syntax would take for something else.
    const ambiguous = [
      'on',
      'On',
      'ON',
      'yes',
      'Yes',
      'y',
      'Y',
      'off',
      'Off',
      'no',
      'NO',
      'n',
      'N',
      'true',
      'False',
      '~',
      'null',
      '0755',
      '0o17',
      '0b101',
      '0x1F',
      '1e3',
      '.5',
      '1_000',
      '1:30',
      '2001-12-14',
      '<<',
      '=',
      '+1',
      '.inf',
    ]
    const quoted = (text: string) => JSON.stringify(text)
    const config = write(
      'ambiguous-config.yaml',
      [
        'name: ambiguous',
        'annotations:',
        ...ambiguous.map((v, i) => `  example.com/a${i}: ${quoted(v)}`),
        'labels: {flag: "yes", level: "off"}',
        'containers:',
        '  - name: ambiguous',
        '    image: busybox',
        `    args: [${ambiguous.map(quoted).join(', ')}]`,
        '    env:',
        ...ambiguous.map((v, i) => `      - {name: V${i}, value: ${quoted(v)}}`),
      ].join('\n'),
    )
    const pod = write(
      'ambiguous-pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {injector.tumblr.com/request: ambiguous}\nspec:\n  containers: [{name: app, image: nginx, args: ["y"]}]\n',
    )
    const [yamlRun, patchRun] = await Promise.all([
      runCli(['preview', '--config', config, '--pod', pod]),
      runCli(['preview', '--config', config, '--pod', pod, '--patch']),
    ])
    expect(yamlRun.stderr).toBe('')
    const original = parse(readFileSync(pod, 'utf8'))
    const sent = jsonPatch.applyPatch(
      original,
      JSON.parse(patchRun.stdout),
      true,
      false,
    ).newDocument
    expect(sent.spec.containers[1].args).toEqual(ambiguous)
    const [read, ...more] = await kubectlRead(yamlRun.stdout)
    expect(more).toEqual([])
    expect(read).toEqual(sent)
  })

  it('injects every requested config into the pod template of a Deployment', async () => {
    const run = await runCli(['preview', ...configs, '--pod', 'docs/examples/deployment.yaml'])
    expect(run.code).toBe(0)
    const output = parse(run.stdout)
    expect(() => new Deployment(output).validate()).not.toThrow()
    const original = readExample('deployment.yaml')
    expect(output.metadata).toEqual(original.metadata)
    expect(output.spec.replicas).toBe(2)
    expect(containerNames(output.spec.template.spec)).toEqual([
      'checkout',
      'logger',
      'statsd-exporter',
    ])
    expect(output.spec.template.metadata).toEqual({
      labels: { app: 'checkout' },
      annotations: {
        'injector.tumblr.com/request': 'logger:v1, metrics:v1',
        'example.com/sidecars-from': 'edge-sidecar-injector',
        // The stamp the Worker would put: each config with its short content hash.
        'injector.tumblr.com/injected': expect.stringMatching(
          /^logger:v1@[0-9a-f]{8},metrics:v1@[0-9a-f]{8}$/,
        ) as unknown as string,
        'injector.tumblr.com/status': 'injected',
      },
    })
  })

  it('previewing its own output again changes nothing (already injected)', async () => {
    const first = await runCli(['preview', ...configs, '--pod', 'docs/examples/pod.yaml'])
    const again = await runCli(['preview', ...configs, '--pod', write('out.yaml', first.stdout)])
    expect(again.stdout).toBe(first.stdout)
    expect(again.stderr).toBe('not injected (already_injected): pod is already injected\n')
  })

  it('--explain prints the decision', async () => {
    const run = await runCli([
      'preview',
      ...configs,
      '--pod',
      'docs/examples/pod.yaml',
      '--explain',
    ])
    expect(run.stdout).toBe(
      'namespace: shop\ndecision: inject\nconfigs: logger:v1\npatch: 7 operations\n',
    )
  })

  const shipper = [...configs, '--config', 'docs/examples/shipper.yaml']
  const shipperPod = ['--pod', 'docs/examples/shipper-pod.yaml']
  const region = ['--cluster-label', 'region=eu-west-1']
  it.each([
    [
      ['--kubernetes-version', 'v1.28.3'],
      'classic container (auto: Kubernetes v1.28.3 is before 1.29)',
    ],
    [
      ['--kubernetes-version', 'v1.29.0-eks-123'],
      'native sidecar (init container, restartPolicy: Always) (auto: Kubernetes v1.29.0-eks-123 is 1.29 or later)',
    ],
    [
      ['--kubernetes-version', '1.30+'],
      'native sidecar (init container, restartPolicy: Always) (auto: Kubernetes 1.30+ is 1.29 or later)',
    ],
    [[], "classic container (auto: the cluster's Kubernetes version is unknown)"],
  ])('--explain %j says which sidecar mode and why', async (flags, why) => {
    const run = await runCli([
      'preview',
      ...shipper,
      ...shipperPod,
      ...region,
      '--explain',
      ...flags,
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`note: container "shipper" of "shipper:v1": ${why}\n`)
  })

  it('fills ${cluster.name} and ${cluster.labels.<key>} from --cluster and --cluster-label', async () => {
    const run = await runCli([
      'preview',
      ...shipper,
      ...shipperPod,
      ...region,
      '--cluster',
      'prod-eu',
      '--kubernetes-version',
      'v1.29.3',
    ])
    expect(run.stderr).toBe('')
    const pod = parse(run.stdout)
    expect(() => new Pod(pod).validate()).not.toThrow()
    expect(pod.spec.initContainers).toMatchObject([
      {
        name: 'shipper',
        restartPolicy: 'Always',
        args: ['--tag=prod-eu/eu-west-1', '--pod=$(POD_NAME)'],
      },
    ])
    expect(pod.spec.initContainers[0]).not.toHaveProperty('sidecarMode')
  })

  it('skips with config_error, naming the label, when the cluster lacks it', async () => {
    const run = await runCli(['preview', ...shipper, ...shipperPod, '--explain'])
    expect(run.stdout).toMatch(
      /^reason: config_error\ndetail: config "shipper:v1": containers\[0\]\.args\[0\]: cluster label "region" is not set on cluster "preview"/m,
    )
  })

  it('--namespace-default gives a pod without a request its namespace default, and says so', async () => {
    const run = await runCli([
      'preview',
      ...configs,
      '--pod',
      'docs/examples/plain-pod.yaml',
      '--explain',
      '--namespace-default',
      'logger:v1',
    ])
    expect(run.stdout).toBe(
      'namespace: shop\ndecision: inject\nconfigs: logger:v1\npatch: 7 operations\nnote: request "logger:v1" from namespace default of "shop"\n',
    )
    const optOut = write(
      'opt-out.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: { injector.tumblr.com/inject: "false" }\nspec: { containers: [{ name: a, image: b }] }\n',
    )
    const skipped = await runCli([
      'preview',
      ...configs,
      '--pod',
      optOut,
      '--explain',
      '--namespace-default',
      'logger:v1',
    ])
    expect(skipped.stdout).toMatch(/^reason: opted_out$/m)
  })

  it.each([
    [
      ['--kubernetes-version', 'x'.repeat(65)],
      'error: --kubernetes-version: must be 1 to 64 characters',
    ],
    [['--cluster-label', 'region'], 'error: --cluster-label: "region" is not key=value'],
    [
      ['--cluster-label', 'region=eu west'],
      'error: --cluster-label region: must be a label value: at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."',
    ],
    [
      ['--namespace-default', 'a:b:c'],
      'error: --namespace-default: "a:b:c" has more than one ":"; expected name[:version]',
    ],
  ])('%j fails with one clear line', async (flags, message) => {
    const run = await runCli(['preview', ...configs, '--pod', 'docs/examples/pod.yaml', ...flags])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`${message}\n`)
  })

  it('--namespace overrides the namespace of the manifest', async () => {
    const args = ['--pod', 'docs/examples/pod.yaml', '--namespace', 'kube-system', '--explain']
    const run = await runCli(['preview', ...configs, ...args])
    expect(run.stdout).toBe(
      'namespace: kube-system\ndecision: skip\nreason: ignored_namespace\ndetail: namespace "kube-system" is ignored\n',
    )
  })

  const bare = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n'
  it.each([
    [
      'no request annotation',
      `${bare}spec: { containers: [{ name: a, image: b }] }\n`,
      [],
      /^reason: no_request$/m,
    ],
    [
      'an ignored namespace',
      `${bare}  annotations: { injector.tumblr.com/request: logger:v1 }\nspec: { containers: [{ name: a, image: b }] }\n`,
      ['--namespace', 'kube-system'],
      /^namespace: kube-system\ndecision: skip\nreason: ignored_namespace$/m,
    ],
    [
      'an unknown config',
      `${bare}  annotations: { injector.tumblr.com/request: tracing }\nspec: { containers: [{ name: a, image: b }] }\n`,
      [],
      /^reason: missing_config\ndetail: .*"tracing:latest".*\nwarning: .+$/m,
    ],
    [
      'another annotation namespace',
      `${bare}  annotations: { sidecars.example.com/request: logger:v1 }\nspec: { containers: [{ name: a, image: b }] }\n`,
      ['--annotation-namespace', 'sidecars.example.com'],
      /^decision: inject$/m,
    ],
  ])('--explain says why for %s', async (_, pod, flags, expected) => {
    const file = write(`${_.replaceAll(' ', '-')}.yaml`, pod)
    const run = await runCli(['preview', ...configs, '--pod', file, '--explain', ...flags])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(expected)
  })

  it.each([
    [
      ['--pod', 'docs/examples/pod.yaml', '--patch', '--explain'],
      'error: --patch and --explain: choose one',
    ],
    [
      ['--config', 'docs/examples/broken.yaml', '--pod', 'docs/examples/pod.yaml'],
      'error: docs/examples/broken.yaml: contaners: unknown field; did you mean containers? (see `sidecar-injector validate`)',
    ],
    [
      ['--pod', 'deploy/relay/namespace.yaml'],
      'error: --pod deploy/relay/namespace.yaml: v1 Namespace is not supported; expected one of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob',
    ],
    [
      ['--pod', 'deploy/relay/kustomization.yaml'],
      'error: --pod deploy/relay/kustomization.yaml: kustomize.config.k8s.io/v1beta1 Kustomization is not supported; expected one of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob',
    ],
    [['--pod', 'missing.yaml'], 'error: --pod: cannot read missing.yaml (ENOENT)'],
  ])('%j fails with one clear line', async (args, message) => {
    const withConfig = args.includes('--config') ? args : [...configs, ...args]
    const run = await runCli(['preview', ...withConfig])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })

  it.each([
    [[], 'error: pass --config (local configs) or --worker and --cluster (the Worker’s)'],
    [
      [...configs, '--worker', 'https://w.example', '--cluster', 'a'],
      'error: --config and --worker: choose one',
    ],
    [['--worker', 'https://w.example'], 'error: --worker needs --cluster'],
    [
      ['--worker', 'https://w.example', '--cluster', 'a'],
      'error: no sync token: pass --token-file or set INJECTOR_SYNC_TOKEN',
    ],
  ])('chooses between local configs and the Worker: %j', async (args, message) => {
    const run = await runCli(['preview', '--pod', 'docs/examples/pod.yaml', ...args])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`${message}\n`)
  })

  it('refuses a pod file with several documents', async () => {
    const file = write('two.yaml', `${bare}---\n${bare}`)
    const run = await runCli(['preview', ...configs, '--pod', file])
    expect(run.stderr).toBe(`error: --pod ${file}: expected exactly one YAML or JSON document\n`)
  })

  it('says where a pod file stops being YAML, in one line', async () => {
    const file = write('broken.yaml', 'a: [b\n')
    const run = await runCli(['preview', ...configs, '--pod', file])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`^error: --pod ${file}: .* at line 2, column 1\n$`))
  })
})
