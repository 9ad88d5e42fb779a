// Measures the admission engine per review against JSON.parse + JSON.stringify of the same text.
// Run: npm run bench   (node scripts/bench-engine.ts; add `--quick` for a short run)
import { webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeReview } from '../shared/admission-review.ts'
import type { ClusterFacts } from '../shared/cluster-facts.ts'
import { hashContent } from '../shared/content-hash.ts'
import { decideAdmission } from '../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../shared/injection-settings.ts'
import type { JsonObject } from '../shared/json.ts'
import { formatConfigIssue, parseSidecarConfig } from '../shared/sidecar-config.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import type { SidecarConfig, SidecarRef } from '../shared/types.ts'
import { podCreateReview } from '../test/support/pod-review.ts'
import { encodeAdmission } from '../worker/admission/admission-response.ts'

const root = join(import.meta.dirname, '..')
const quick = process.argv.includes('--quick')

const configText = `
name: logger:v1
containers:
  - name: logger
    image: fluent/fluent-bit:3.1
    args: ["-c", "/fluent-bit/etc/fluent-bit.conf"]
    resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
    volumeMounts: [{name: logger-config, mountPath: /fluent-bit/etc}]
volumes:
  - {name: logger-config, configMap: {name: logger-config}}
  - {name: app-logs, emptyDir: {}}
volumeMounts: [{name: app-logs, mountPath: /var/log/app}]
env:
  - {name: LOG_DIR, value: /var/log/app}
  - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
`
// The same shipper with per-cluster values and a sidecar mode: the substitution case.
const clusterConfigText = `
name: shipper:v1
containers:
  - name: shipper
    image: fluent/fluent-bit:3.1
    sidecarMode: auto
    args: ["-c", "/fluent-bit/etc/fluent-bit.conf", "--tag=$\{cluster.name}/$\{cluster.labels.region}"]
    resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 64Mi}}
    volumeMounts: [{name: logger-config, mountPath: /fluent-bit/etc}]
volumes:
  - {name: logger-config, configMap: {name: logger-config}}
  - {name: app-logs, emptyDir: {}}
volumeMounts: [{name: app-logs, mountPath: /var/log/app}]
env:
  - {name: LOG_DIR, value: /var/log/app}
  - {name: CLUSTER, value: "$\{cluster.name}"}
annotations: {example.com/cluster: "$\{cluster.name}"}
`
const configs = new Map<string, SidecarConfig>()
for (const text of [configText, clusterConfigText]) {
  const parsed = parseSidecarConfig(text)
  if (!parsed.ok) throw new Error(parsed.issues.map(formatConfigIssue).join('\n'))
  configs.set(formatSidecarRef(parsed.config), parsed.config)
}
// The cluster the Worker reads from the scope's snapshot header, as an admission gets it.
const cluster: ClusterFacts = {
  name: 'prod-eu',
  labels: { region: 'eu-west-1' },
  kubernetesVersion: 'v1.30.4',
  namespaceDefaults: {},
}
// As the Worker's lookup: each config's content hash too, so injected pods carry the stamp.
const hashes = new Map<string, string>()
for (const [ref, config] of configs) {
  hashes.set(ref, await hashContent(JSON.stringify(config), webcrypto.subtle))
}
const lookup = Object.assign((ref: SidecarRef) => configs.get(formatSidecarRef(ref)), {
  hashOf: (ref: string) => hashes.get(ref),
})

const token = {
  name: 'kube-api-access-x7k2p',
  readOnly: true,
  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
}
const container = (name: string, image: string, port: number): JsonObject => ({
  name,
  image,
  ports: [{ containerPort: port, protocol: 'TCP' }],
  env: [
    { name: 'PORT', value: String(port) },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  volumeMounts: [token],
  readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 10 },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
})
const typicalPod: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'web-7d9f8c5b6-',
    labels: { app: 'web', 'pod-template-hash': '7d9f8c5b6' },
    annotations: { 'injector.tumblr.com/request': 'logger:v1' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-7d9f8c5b6',
        uid: 'a1b2',
        controller: true,
      },
    ],
  },
  spec: {
    containers: [
      container('app', 'nginx:1.27', 8080),
      container('worker', 'example/worker:2.4', 9090),
      container('cache', 'redis:7.4', 6379),
    ],
    volumes: [
      {
        name: 'kube-api-access-x7k2p',
        projected: { sources: [{ serviceAccountToken: { path: 'token' } }] },
      },
    ],
    serviceAccountName: 'default',
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    terminationGracePeriodSeconds: 30,
  },
}
const fixturePod = JSON.parse(
  readFileSync(join(root, 'test/fixtures/kubernetes-api/core.v1.Pod.json'), 'utf8'),
) as JsonObject
const metadata = fixturePod.metadata as JsonObject
metadata.annotations = {
  ...(metadata.annotations as JsonObject),
  'injector.tumblr.com/request': 'logger:v1',
}

const reviewText = (pod: JsonObject): string =>
  JSON.stringify(
    podCreateReview(pod, {
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    }),
  )

/** The engine as the Worker runs it on a parsed body: decode, decide, encode (native base64). */
function engine(body: unknown): JsonObject {
  const review = decodeReview(body)
  const decision = decideAdmission(
    review.request,
    DEFAULT_INJECTION_SETTINGS,
    lookup,
    undefined,
    cluster,
  )
  if (decision.kind !== 'inject') throw new Error(`expected an injection, got ${decision.reason}`)
  return encodeAdmission(review, decision)
}

/** What a handler does end to end once the body text is read. */
function endToEnd(text: string): string {
  return JSON.stringify(engine(JSON.parse(text)))
}

function baseline(text: string): string {
  return JSON.stringify(JSON.parse(text))
}

/** Median nanoseconds per call over several timed batches, after a warm-up. */
function measure(run: () => unknown): number {
  let sink = 0
  const batch = quick ? 200 : 2000
  for (let i = 0; i < batch; i++) if (run() !== undefined) sink++
  const samples: number[] = []
  for (let round = 0; round < (quick ? 5 : 15); round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) if (run() !== undefined) sink++
    samples.push(Number(process.hrtime.bigint() - start) / batch)
  }
  if (sink === 0) throw new Error('nothing ran')
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] ?? 0
}

const requesting = (pod: JsonObject, request: string): JsonObject => {
  const meta = pod.metadata as JsonObject
  const annotations = {
    ...(meta.annotations as JsonObject),
    'injector.tumblr.com/request': request,
  }
  return { ...pod, metadata: { ...meta, annotations } }
}
const cases: [string, string][] = [
  ['(a) typical 3-container pod', reviewText(typicalPod)],
  ['(b) fully populated Pod fixture', reviewText(fixturePod)],
  // Reported apart: ${cluster.…} values filled in and sidecarMode auto placed natively.
  ['(c) typical pod, config with cluster values', reviewText(requesting(typicalPod, 'shipper:v1'))],
]
const micros = (ns: number) => (ns / 1000).toFixed(1)
const rows = cases.map(([name, text]) => {
  const body: unknown = JSON.parse(text)
  // Interleaved rounds, best of each, so load from other processes hits all three alike.
  const best = { engine: Infinity, endToEnd: Infinity, baseline: Infinity }
  for (let i = 0; i < 3; i++) {
    best.engine = Math.min(
      best.engine,
      measure(() => engine(body)),
    )
    best.endToEnd = Math.min(
      best.endToEnd,
      measure(() => endToEnd(text)),
    )
    best.baseline = Math.min(
      best.baseline,
      measure(() => baseline(text)),
    )
  }
  const ratio = (ns: number) => (ns / best.baseline).toFixed(2)
  return `| ${name} | ${text.length} | ${micros(best.engine)} | ${micros(best.baseline)} | ${ratio(best.engine)} | ${micros(best.endToEnd)} | ${ratio(best.endToEnd)} |`
})
console.log(`Node ${process.version}, ${quick ? 'quick' : 'full'} run`)
console.log('')
console.log(
  '| review | bytes | engine µs | JSON.parse + JSON.stringify µs | ratio | end to end µs | ratio |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const row of rows) console.log(row)
console.log('')
console.log(
  "engine: decodeReview + decideAdmission (plan, lookup, inheritance, patch, check of the patched pod) + encodeAdmission (JSON Patch text, base64 with the runtime's btoa, as the Worker wires it)",
)
console.log('end to end: JSON.parse of the review + engine + JSON.stringify of the response')
console.log(
  '(c): the config uses $' +
    '{cluster.name} and $' +
    '{cluster.labels.region} and a sidecarMode: auto container (native on v1.30), rendered for the cluster of each admission',
)
