import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeReview } from '../../shared/admission-review.ts'
import { checkConfigMapReview } from '../../shared/configmap-check.ts'
import { runCli } from '../support/cli-run.ts'
import { configMapReview } from '../support/configmap-review.ts'

const scratch = mkdtempSync(join(tmpdir(), 'cli-validate-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function write(name: string, text: string): string {
  const path = join(scratch, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
  return path
}

const configMaps = write(
  'manifests/sidecars.yaml',
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: sidecars
  namespace: platform
  labels: { app: k8s-sidecar-injector }
data:
  good: |
    name: good:v1
    containers: [{ name: helper, image: busybox }]
  bad: |
    name: bad
    containers: [{ image: busybox }]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-conf
  namespace: platform
data:
  nginx.conf: "not a sidecar config"
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
---
name: plain
env: [{ name: A, value: b }]
`,
)

describe('validate', () => {
  it('accepts the example configs and the relay example ConfigMap', async () => {
    const run = await runCli(['validate', 'examples/configs/'])
    expect(run).toEqual({ code: 0, stdout: '3 configs checked: all valid\n', stderr: '' })
    const relay = await runCli(['validate', 'deploy/relay/'])
    expect(relay.code).toBe(0)
    expect(relay.stdout).toMatch(/^1 config checked \(\d+ other objects skipped\): all valid\n$/)
  })

  it('prints file: path: problem for each issue and exits 1', async () => {
    const run = await runCli(['validate', 'docs/examples/broken.yaml'])
    expect(run.code).toBe(1)
    expect(run.stdout.split('\n')).toEqual([
      'docs/examples/broken.yaml: contaners: unknown field; did you mean containers?',
      'docs/examples/broken.yaml: name: "Logger:v1:extra" has more than one ":"; expected name[:version]',
      'docs/examples/broken.yaml: env[0].name: required',
      '',
    ])
    expect(run.stderr).toBe('error: 1 config checked: 3 problems\n')
  })

  it('refuses bad cluster variables and sidecar modes with the path of each', async () => {
    const file = write(
      'variables.yaml',
      [
        'name: shipper',
        'containers:',
        '  - name: shipper',
        '    image: fluent-bit',
        '    sidecarMode: always',
        `    args: ["--tag=\${cluster.nmae}", "\${HOME}", "$(POD)", "$\${cluster.nmae}"]`,
        `    env: [{name: REGION, value: "\${cluster.labels.region"}]`,
        '',
      ].join('\n'),
    )
    const run = await runCli(['validate', file])
    expect(run.code).toBe(1)
    expect(run.stdout.split('\n')).toEqual([
      `${file}: containers[0].sidecarMode: must be one of native, classic, auto`,
      `${file}: containers[0].env[0].value: "\${cluster.labels.region" is not closed with "}"`,
      `${file}: containers[0].args[0]: unknown variable "\${cluster.nmae}"; the variables are \${cluster.name} and \${cluster.labels.<key>} (write $\${ for a literal \${)`,
      '',
    ])
  })

  it('reads every key of labelled ConfigMaps and plain configs in a multi-document file', async () => {
    const run = await runCli(['validate', configMaps])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe(`${configMaps}[platform/sidecars:bad]: containers[0].name: required\n`)
    expect(run.stderr).toBe('error: 3 configs checked (2 other objects skipped): 1 problem\n')
  })

  it('selects ConfigMaps by --configmap-labels, as the relay does', async () => {
    const run = await runCli(['validate', configMaps, '--configmap-labels', 'team=none'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('1 config checked (3 other objects skipped): all valid\n')
    const bad = await runCli(['validate', configMaps, '--configmap-labels', 'no value'])
    expect(bad.stderr).toBe('error: --configmap-labels: "no value" is not key=value\n')
  })

  it('merges repeated --configmap-labels, as tumblr did: a ConfigMap needs every pair', async () => {
    const file = write(
      'labels.yaml',
      ['web', 'db']
        .map((tier) =>
          [
            'apiVersion: v1',
            'kind: ConfigMap',
            `metadata: { name: ${tier}, namespace: platform, labels: { app: k8s-sidecar-injector, tier: ${tier} } }`,
            `data: { c: "name: ${tier}" }`,
          ].join('\n'),
        )
        .join('\n---\n'),
    )
    const run = await runCli([
      'validate',
      file,
      '--configmap-labels',
      'app=k8s-sidecar-injector',
      '--configmap-labels',
      'tier=web',
    ])
    expect(run).toEqual({
      code: 0,
      stdout: '1 config checked (1 other object skipped): all valid\n',
      stderr: '',
    })
    const both = await runCli([
      'validate',
      file,
      '--configmap-labels',
      'tier=web',
      '--configmap-labels',
      'tier=db',
    ])
    expect(both.stderr).toBe(
      'error: --configmap-labels: label "tier" is given twice with different values\n',
    )
  })

  it('prints the problems the validating webhook answers to kubectl apply, line for line', async () => {
    const data = {
      'a.yaml': 'name: a\ncontaners: []\n',
      'b.yaml': 'name: b:v1:x\n',
      'c.yaml': 'name: c\nhostPID: true\n',
      'd.yaml': 'name: logger:v1\n',
      'e.yaml': 'name: logger:v1\n',
      'f.yaml': 'name: f\ncontainers: [{name: f, image: busybox, imagePullPolicy: Sometimes}]\n',
      'g.yaml': 'name: g\ncontainers: [{image: busybox}]\n',
    }
    const manifest = write(
      'webhook-same.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'logging',
          namespace: 'sidecars',
          labels: { app: 'k8s-sidecar-injector' },
        },
        data,
      }),
    )
    const run = await runCli(['validate', manifest])
    const printed = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(`${manifest}[`, '').replace(/^([^\]]*)\]: /, '$1: '))
    const check = checkConfigMapReview(decodeReview(configMapReview({ data })).request, {
      allowHostAccess: false,
    })
    if (check.kind !== 'refuse' || check.verdict.allowed) throw new Error('expected a refusal')
    const [summary, ...answered] = check.verdict.message.split('\n')
    expect(summary).toBe(`invalid sidecar config (${printed.length} problems):`)
    expect(answered).toEqual(printed)
    expect(printed.length).toBeGreaterThanOrEqual(7)
  })

  it('reads a kubectl List of ConfigMaps and JSON files', async () => {
    const list = write(
      'list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'a', labels: { app: 'k8s-sidecar-injector' } },
            data: { one: '{"name": "one"}', two: '{"name": "two", "hostPID": "yes"}' },
          },
        ],
      }),
    )
    const run = await runCli(['validate', list])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(`${list}[default/a:two]: hostPID: `)
    expect(run.stderr).toBe('error: 2 configs checked: 1 problem\n')
  })

  it('reports both sides of a duplicate name:version across files, as the Worker rejects both', async () => {
    const copy = write('dup/logger.yaml', 'name: logger:v1\n')
    const run = await runCli(['validate', 'examples/configs/logger.yaml', copy])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe(
      `examples/configs/logger.yaml: name: duplicate logger:v1: also defined in file ${copy}\n` +
        `${copy}: name: duplicate logger:v1: also defined in file examples/configs/logger.yaml\n`,
    )
  })

  it('refuses host access unless --allow-host-access', async () => {
    const file = write('host.yaml', 'name: netdebug\nhostNetwork: true\n')
    const refused = await runCli(['validate', file])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe(
      `${file}: hostNetwork: the node network (hostNetwork) is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true\n`,
    )
    const allowed = await runCli(['validate', '--allow-host-access', file])
    expect(allowed.code).toBe(0)
  })

  it('prints notes as note: lines and still passes', async () => {
    const file = write(
      'numbers.yaml',
      'name: "logger:"\ncontainers: [{name: c, image: i, args: [--port, 8080]}]\nenv: [{name: DEBUG, value: yes}]\n',
    )
    const run = await runCli(['validate', file])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      [
        `note: ${file}: env[0].value: boolean read as the string "true", as tumblr did; quote the value to keep it as written`,
        `note: ${file}: containers[0].args[1]: number read as the string "8080", as tumblr did; quote the value to keep it as written`,
        `note: ${file}: name: "logger:" read as logger:latest, as tumblr did`,
        '1 config checked: all valid',
        '',
      ].join('\n'),
    )
  })

  it('reports a YAML syntax error with the document it is in', async () => {
    const file = write('syntax.yaml', 'name: ok\n---\nname: [unclosed\n')
    const run = await runCli(['validate', file])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`^${file}#2: .+\\n$`))
  })

  it('fails when a folder holds no configs', async () => {
    mkdirSync(join(scratch, 'empty'))
    const run = await runCli(['validate', join(scratch, 'empty')])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(`error: no sidecar configs found in ${join(scratch, 'empty')}\n`)
  })
})
