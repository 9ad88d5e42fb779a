import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { type KubeconfigFile, writeKubeconfig } from '../support/kubeconfig.ts'

const run = promisify(execFile)
let api: FakeApiServer
let kubeconfig: KubeconfigFile
let cacheDir: string
const children: ChildProcess[] = []

beforeAll(async () => {
  api = await startFakeApiServer()
  kubeconfig = writeKubeconfig({ server: api.url, namespace: 'x' })
  cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'))
  api.createConfigMap({
    namespace: 'x',
    name: 'cfg-a',
    labels: { app: 'injector' },
    data: { k: 'v' },
  })
  api.createConfigMap({ namespace: 'x', name: 'cfg-b', labels: { app: 'other' } })
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await api.stop()
  kubeconfig.remove()
  rmSync(cacheDir, { recursive: true, force: true })
})

// kubectl runs asynchronously: a synchronous exec would block the fake's event loop.
async function kubectl(...args: string[]): Promise<string> {
  const base = [
    '--kubeconfig',
    kubeconfig.path,
    '--cache-dir',
    cacheDir,
    '--request-timeout',
    '10s',
  ]
  const { stdout } = await run('kubectl', [...base, ...args], { timeout: 30_000 })
  return stdout
}

function watchKubectl(...args: string[]): { output: () => string; stop: () => Promise<void> } {
  const base = ['--kubeconfig', kubeconfig.path, '--cache-dir', cacheDir]
  const child = spawn('kubectl', [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return { output: () => output, stop }
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

it('answers kubectl get --raw with a label-selected ConfigMapList', async () => {
  const text = await kubectl(
    'get',
    '--raw',
    '/api/v1/namespaces/x/configmaps?labelSelector=app%3Dinjector',
  )
  const list = JSON.parse(text) as { kind: string; items: { metadata: { name: string } }[] }
  expect(list.kind).toBe('ConfigMapList')
  expect(list.items.map((i) => i.metadata.name)).toEqual(['cfg-a'])
})

it('serves kubectl get configmaps through discovery, in table, name and yaml output', async () => {
  const table = await kubectl('get', 'configmaps')
  expect(table.split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/)
  expect(table).toMatch(/^cfg-a\s+1\s+\d+s$/m)
  expect(await kubectl('get', 'cm', '-l', 'app=other', '-o', 'name')).toBe('configmap/cfg-b\n')
  const yaml = await kubectl('get', 'configmap', 'cfg-a', '-o', 'jsonpath={.data.k}')
  expect(yaml).toBe('v')
})

it('prints posted Events with kubectl get events', async () => {
  const res = await fetch(`${api.url}/api/v1/namespaces/x/events`, {
    method: 'POST',
    body: JSON.stringify({
      metadata: { name: 'cfg-a.1' },
      involvedObject: { kind: 'ConfigMap', namespace: 'x', name: 'cfg-a' },
      type: 'Warning',
      reason: 'InvalidSidecarConfig',
      message: 'sidecar.yaml: containers[0].image: required',
    }),
  })
  expect(res.status).toBe(201)
  const lines = (await kubectl('get', 'events')).trim().split('\n')
  expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/)
  expect(lines[1]).toMatch(
    /^\d+s\s+Warning\s+InvalidSidecarConfig\s+configmap\/cfg-a\s+sidecar\.yaml: containers\[0\]\.image: required$/,
  )
})

it('accepts the protobuf body of kubectl create configmap, binary data included', async () => {
  const binary = join(cacheDir, 'payload.bin')
  writeFileSync(binary, Buffer.from([0, 1, 2, 255]))
  await kubectl('create', 'configmap', 'made', '--from-literal=k=v', `--from-file=raw=${binary}`)
  const made = api.getConfigMap('x', 'made')
  expect(made).toMatchObject({ data: { k: 'v' }, binaryData: { raw: 'AAEC/w==' } })
  const post = api.requests({ verb: 'create' }).at(-1)
  expect(post?.status).toBe(201)
})

it('supports kubectl apply (client-side, without openapi validation) and replace', async () => {
  const file = join(cacheDir, 'applied.yaml')
  const manifest = (value: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a.yaml: "x: ${value}"\n`
  writeFileSync(file, manifest('1'))
  expect(await kubectl('apply', '--validate=false', '-f', file)).toContain('created')
  writeFileSync(file, manifest('2'))
  expect(await kubectl('apply', '--validate=false', '-f', file)).toContain('configured')
  expect(api.getConfigMap('x', 'applied')?.data).toEqual({ 'a.yaml': 'x: 2' })
  writeFileSync(file, manifest('3'))
  expect(await kubectl('replace', '--validate=false', '-f', file)).toContain('replaced')
  expect(api.getConfigMap('x', 'applied')?.data).toEqual({ 'a.yaml': 'x: 3' })
})

it('lets kubectl label and delete ConfigMaps', async () => {
  await kubectl('label', 'configmap', 'cfg-b', 'tier=web')
  expect(api.getConfigMap('x', 'cfg-b')?.metadata).toMatchObject({
    labels: { app: 'other', tier: 'web' },
  })
  expect(await kubectl('delete', 'configmap', 'cfg-b')).toContain('deleted')
  expect(api.getConfigMap('x', 'cfg-b')).toBeUndefined()
})

it('streams changes to kubectl get configmaps --watch-only -o json', async () => {
  const watcher = watchKubectl(
    'get',
    'configmaps',
    '--watch-only',
    '-o',
    'json',
    '-l',
    'app=injector',
  )
  await api.waitForWatches(1, { timeoutMs: 20_000 })
  api.createConfigMap({
    namespace: 'x',
    name: 'cfg-new',
    labels: { app: 'injector' },
    data: { n: '1' },
  })
  await until('kubectl to print the new ConfigMap', () => watcher.output().includes('"cfg-new"'))
  api.updateConfigMap('x', 'cfg-a', { data: { k: 'changed' } })
  await until('kubectl to print the update', () => watcher.output().includes('"changed"'))
  await watcher.stop()
})

it('streams changes to kubectl get configmaps -w as table rows', async () => {
  const watcher = watchKubectl('get', 'configmaps', '-w')
  await api.waitForWatches(1, { timeoutMs: 20_000 })
  await until('the initial table', () => /^cfg-a\s+1\s/m.test(watcher.output()))
  api.updateConfigMap('x', 'cfg-a', { data: { k: 'v', k2: 'v2', k3: 'v3' } })
  await until('the updated row', () => /^cfg-a\s+3\s/m.test(watcher.output()))
  // Column headers are printed once.
  expect(watcher.output().match(/NAME\s+DATA\s+AGE/g)).toHaveLength(1)
  await watcher.stop()
})

it('streams changes to kubectl get configmaps -w -o name', async () => {
  api.resetRequests()
  const watcher = watchKubectl('get', 'configmaps', '-w', '-o', 'name')
  await api.waitForWatches(1, { timeoutMs: 20_000 })
  await until('the initial list', () => watcher.output().includes('configmap/cfg-a'))
  api.deleteConfigMap('x', 'cfg-new')
  await until(
    'kubectl to print the deletion',
    () => watcher.output().split('configmap/cfg-new').length > 2,
  )
  expect(api.requestCount({ verb: 'list' })).toBeGreaterThanOrEqual(1)
  await watcher.stop()
})
