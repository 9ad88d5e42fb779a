import fc from 'fast-check'
import { Pod } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import { checkConfigSet } from '../../shared/config-set.ts'
import { decideAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject, JsonValue } from '../../shared/json.ts'
import { buildPatch, SERVICE_ACCOUNT_MOUNT_PATH } from '../../shared/patch.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import type { SidecarConfig } from '../../shared/types.ts'
import {
  applyPatch,
  expectSurvives,
  isDocumentedPath,
  lookupOf,
  podRequest,
} from './engine-support.ts'

const settings = DEFAULT_INJECTION_SETTINGS
// PROPERTY_RUNS=20000 for a longer search; the default keeps `npm test` quick.
const runs = Number(process.env.PROPERTY_RUNS ?? 500)
const timeout = Math.max(5000, runs * 3)
// Small pools make pods and configs collide often: shared names, clashes, conflicts.
const containerName = fc.constantFrom('app', 'web', 'logger', 'proxy', 'metrics', 'setup')
const envEntry = fc.record({
  name: fc.constantFrom('A', 'B', 'LOG'),
  value: fc.constantFrom('1', '2'),
})
const mount = fc.record({
  name: fc.constantFrom('data', 'logs', 'token'),
  mountPath: fc.constantFrom(
    '/data',
    '/logs',
    SERVICE_ACCOUNT_MOUNT_PATH,
    `${SERVICE_ACCOUNT_MOUNT_PATH}/`,
  ),
})
const volume = fc.record({
  name: fc.constantFrom('data', 'logs', 'cache'),
  emptyDir: fc.constant({}),
})
const alias = fc.record({
  ip: fc.constantFrom('10.0.0.1', '10.0.0.2'),
  hostnames: fc.constant(['h']),
})
const pullSecret = fc.record({ name: fc.constantFrom('registry', 'mirror') })
const metadataMap = fc.dictionary(
  fc.constantFrom('team', 'example.com/tier', 'we~ird/key'),
  fc.constantFrom('x', 'y'),
)
const byName = { selector: (entry: { name: string }) => entry.name, maxLength: 3 }
/** Mounts as Kubernetes accepts them in one list: names and paths both unique. */
const mounts = (entry: typeof mount) =>
  fc
    .uniqueArray(entry, byName)
    .filter((list) => new Set(list.map((m) => m.mountPath)).size === list.length)

const container = fc
  .record(
    {
      name: containerName,
      image: fc.constantFrom('img:1', 'img:2'),
      env: fc.uniqueArray(envEntry, byName),
      volumeMounts: mounts(mount),
      restartPolicy: fc.constant('Always'),
      futureField: fc.constant({ kept: [1, 'two'] }),
    },
    { requiredKeys: ['name', 'image'] },
  )
  .map((c) => c as unknown as JsonObject & { name: string })
/** Containers with names unique across both lists, split into regular and init. */
const containerLists = fc
  .tuple(fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 4 }), fc.nat(4))
  .map(([all, split]) => {
    const cut = Math.min(split, all.length)
    return { containers: all.slice(0, cut), initContainers: all.slice(cut) }
  })

const pod: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      lists: containerLists,
      volumes: fc.uniqueArray(volume, byName),
      imagePullSecrets: fc.uniqueArray(pullSecret, byName),
      hostAliases: fc.array(alias, { maxLength: 2 }),
      hostNetwork: fc.boolean(),
      serviceAccountName: fc.constantFrom('', 'default', 'custom', 'sa-1'),
      labels: metadataMap,
      annotations: metadataMap,
      extra: fc.constant({ priority: 7, tolerations: [{ key: 'k' }] }),
    },
    { requiredKeys: ['lists', 'extra'] },
  )
  .map(({ lists, labels, annotations, extra, ...spec }) => {
    const metadata: JsonObject = { name: 'p', uid: 'u' }
    if (labels !== undefined) metadata.labels = labels
    if (annotations !== undefined) metadata.annotations = annotations
    const podSpec = { ...extra, ...spec, containers: lists.containers } as unknown as JsonObject
    if (lists.initContainers.length > 0) podSpec.initContainers = lists.initContainers
    return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec }
  })

const sidecar = (name: string): fc.Arbitrary<SidecarConfig> =>
  fc
    .record(
      {
        lists: containerLists,
        volumes: fc.uniqueArray(volume, byName),
        volumeMounts: mounts(
          mount.filter((m) => !m.mountPath.startsWith(SERVICE_ACCOUNT_MOUNT_PATH)),
        ),
        env: fc.uniqueArray(envEntry, byName),
        hostAliases: fc.array(alias, { maxLength: 2 }),
        imagePullSecrets: fc.uniqueArray(pullSecret, byName),
        hostNetwork: fc.boolean(),
        hostPID: fc.boolean(),
        serviceAccountName: fc.constantFrom('sa-1', 'sa-2', 'default'),
        annotations: metadataMap,
        labels: metadataMap,
      },
      {
        requiredKeys: [
          'lists',
          'volumes',
          'volumeMounts',
          'env',
          'hostAliases',
          'imagePullSecrets',
          'annotations',
          'labels',
        ],
      },
    )
    .map(
      ({ lists, ...rest }) =>
        ({
          name,
          version: 'latest',
          ...rest,
          containers: lists.containers,
          initContainers: lists.initContainers,
        }) as unknown as SidecarConfig,
    )

const configs = fc
  .integer({ min: 1, max: 3 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => sidecar(`c${i}`))))

describe('any pod x any configs', () => {
  it('patches that apply, touch only documented paths, keep every field, and are idempotent', {
    timeout,
  }, () => {
    fc.assert(
      fc.property(pod, configs, (before, chosen) => {
        const result = buildPatch(before, chosen, settings)
        if (result.conflicts.length > 0) expect(result.patch).toEqual([])
        for (const op of result.patch) expect(isDocumentedPath(op.path), op.path).toBe(true)
        const after = applyPatch(before, result.patch)
        // Scalars the rules may set over the pod's value, as dotted paths.
        const replaced = new Set(
          result.patch
            .filter((op) => /^\/spec\/(hostNetwork|hostPID|serviceAccountName)$/.test(op.path))
            .map((op) => op.path.slice(1).replace('/', '.')),
        )
        const accountReplaced = replaced.has('spec.serviceAccountName')
        expectSurvives(before, after, (path, value) => {
          if (replaced.has(path)) return true
          if (!accountReplaced) return false
          const mountPath = (value as JsonObject).mountPath
          return (
            /volumeMounts\[\d+\]$/.test(path) &&
            typeof mountPath === 'string' &&
            mountPath.startsWith(SERVICE_ACCOUNT_MOUNT_PATH)
          )
        })
        expect(buildPatch(after, chosen, settings).patch).toEqual([])
        const spec = after.spec as JsonObject
        const all = [
          ...((spec.containers as JsonObject[]) ?? []),
          ...((spec.initContainers as JsonObject[] | undefined) ?? []),
        ]
        expect(new Set(all.map((c) => c.name)).size).toBe(all.length)
        // The API server refuses a container with two mounts at one path.
        for (const c of all) {
          const paths = ((c.volumeMounts as JsonObject[] | undefined) ?? []).map((m) => m.mountPath)
          expect(new Set(paths).size, `${c.name}: ${paths.join(', ')}`).toBe(paths.length)
        }
        for (const ref of result.applied) {
          const config = chosen.find((c) => formatSidecarRef(c) === ref)
          for (const c of [...(config?.containers ?? []), ...(config?.initContainers ?? [])]) {
            expect(all.map((a) => a.name)).toContain(c.name)
          }
        }
      }),
      { numRuns: runs },
    )
  })

  it('an injected pod coming back is skipped', { timeout }, () => {
    fc.assert(
      fc.property(pod, configs, (before, chosen) => {
        const metadata = before.metadata as JsonObject
        metadata.annotations = {
          ...(metadata.annotations as JsonObject | undefined),
          'injector.tumblr.com/request': chosen.map(formatSidecarRef).join(','),
        }
        delete (metadata.annotations as JsonObject)['injector.tumblr.com/status']
        const lookup = lookupOf(...chosen)
        const first = decideAdmission(podRequest(before), settings, lookup)
        if (first.kind !== 'inject') return
        const after = applyPatch(before, first.patch)
        expect(decideAdmission(podRequest(after), settings, lookup)).toMatchObject({
          reason: 'already_injected',
        })
      }),
      { numRuns: Math.ceil(runs / 2) },
    )
  })
})

describe('expectSurvives', () => {
  const before: JsonValue = {
    spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }], list: [1, 2] },
  }
  it.each([
    ['a dropped field', { spec: { containers: [{ name: 'a' }], list: [1, 2] } }],
    [
      'a changed value',
      { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '2' }] }], list: [1, 2] } },
    ],
    [
      'a reordered list',
      { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }], list: [2, 1] } },
    ],
  ])('catches %s', (_, after) => {
    expect(() => expectSurvives(before, after)).toThrow()
  })

  it('accepts additions anywhere', () => {
    const after: JsonValue = {
      spec: {
        containers: [{ name: 'z' }, { name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y' }] }],
        list: [1, 2, 3],
      },
      more: true,
    }
    expect(() => expectSurvives(before, after)).not.toThrow()
  })
})

describe('configs the config-set rule accepts x valid pods', () => {
  // Configs Kubernetes accepts in themselves, whose mounts may still name volumes a pod lacks,
  // half of them given one defect that the config-set rule must refuse.
  const volumeName = fc.constantFrom('data', 'logs', 'cache', 'missing')
  const sidecarMount = fc.record(
    {
      name: volumeName,
      mountPath: fc.constantFrom('/a', '/b', '/data'),
      subPath: fc.constant('x'),
      readOnly: fc.boolean(),
    },
    { requiredKeys: ['name', 'mountPath'] },
  )
  const sidecarContainer = (role: 'container' | 'init') =>
    fc
      .record(
        {
          name: fc.constantFrom('logger', 'proxy', 'metrics', 'app'),
          image: fc.constant('img:1'),
          ports: fc.constantFrom<JsonValue>(
            [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
            [{ containerPort: 9090 }],
          ),
          imagePullPolicy: fc.constantFrom('IfNotPresent', 'Always'),
          resources: fc.constantFrom<JsonValue>(
            { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '64Mi' } },
            { limits: { memory: '1Gi' } },
          ),
          readinessProbe: fc.constantFrom<JsonValue>(
            { httpGet: { port: 80 } },
            { tcpSocket: { port: 'http' } },
          ),
          volumeMounts: fc.uniqueArray(sidecarMount, {
            selector: (m) => m.mountPath,
            maxLength: 2,
          }),
          securityContext: fc.constantFrom<JsonValue>(
            { capabilities: { add: ['NET_BIND_SERVICE'] } },
            {},
          ),
          restartPolicy: fc.constant('Always'),
        },
        {
          // Only native sidecars may have a restartPolicy or probes.
          requiredKeys: role === 'init' ? ['name', 'image', 'restartPolicy'] : ['name', 'image'],
        },
      )
      .map((c) => {
        if (role === 'container') delete (c as { restartPolicy?: string }).restartPolicy
        return c as JsonObject
      })
  const DEFECTS: ((config: { containers: JsonObject[]; volumes: JsonObject[] }) => void)[] = [
    (c) => c.containers.push({ name: 'defect', image: 'x', ports: [{ containerPort: '8080' }] }),
    (c) => c.containers.push({ name: 'defect', image: 'x', imagePullPolicy: 'Sometimes' }),
    (c) => c.containers.push({ name: 'defect', image: 'x', ports: [{ containerPort: 70000 }] }),
    (c) =>
      c.containers.push({ name: 'defect', image: 'x', resources: { requests: { cpu: 'lots' } } }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        resources: { requests: { cpu: '2' }, limits: { cpu: '1' } },
      }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        readinessProbe: { httpGet: { port: 80 }, exec: { command: ['x'] } },
      }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        volumeMounts: [{ name: 'v', mountPath: '/v', subPath: '../x' }],
      }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        securityContext: { capabilities: { add: ['SYS_ADMIN'] } },
      }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        securityContext: { seccompProfile: { type: 'Unconfined' } },
      }),
    (c) =>
      c.containers.push({
        name: 'defect',
        image: 'x',
        ports: [{ containerPort: 80, hostPort: 80 }],
      }),
    (c) => c.volumes.push({ name: 'defect', emptyDir: {}, configMap: { name: 'c' } }),
    (c) => c.volumes.push({ name: 'defect' }),
    (c) => c.volumes.push({ name: 'defect', hostPath: { path: '/' } }),
  ]
  const sidecarText = (name: string): fc.Arbitrary<string> =>
    fc
      .record({
        containers: fc.uniqueArray(sidecarContainer('container'), {
          selector: (c) => c.name,
          maxLength: 2,
        }),
        initContainers: fc.uniqueArray(sidecarContainer('init'), {
          selector: (c) => c.name,
          maxLength: 1,
        }),
        volumes: fc.uniqueArray(fc.record({ name: volumeName, emptyDir: fc.constant({}) }), {
          selector: (v) => v.name,
          maxLength: 3,
        }),
        volumeMounts: fc
          .uniqueArray(sidecarMount, { selector: (m) => m.name, maxLength: 2 })
          .filter((list) => new Set(list.map((m) => m.mountPath)).size === list.length),
        env: fc.uniqueArray(
          fc.record({
            name: fc.constantFrom('A', 'B'),
            value: fc.constantFrom<JsonValue>('1', 1, true),
          }),
          { selector: (e) => e.name, maxLength: 2 },
        ),
        hostAliases: fc.array(
          fc.record({
            ip: fc.constant('10.0.0.1'),
            hostnames: fc.constantFrom<JsonValue>(['h'], [], null),
          }),
          { maxLength: 2 },
        ),
        defect: fc.option(fc.constantFrom(...DEFECTS), { freq: 2 }),
      })
      .map(({ defect, ...fields }) => {
        const config = { name, ...fields, containers: [...fields.containers] as JsonObject[] }
        const volumes = [...fields.volumes] as JsonObject[]
        // The init container's names must differ from the containers'.
        config.initContainers = fields.initContainers.filter(
          (i) => !fields.containers.some((c) => c.name === i.name),
        )
        defect?.({ containers: config.containers, volumes })
        return JSON.stringify({ ...config, volumes })
      })

  // Valid pods: unique names, each mount of a pod volume, one mount per path.
  const validPod: fc.Arbitrary<JsonObject> = fc
    .tuple(
      fc.uniqueArray(fc.constantFrom('data', 'logs', 'host'), { maxLength: 3 }),
      fc.uniqueArray(fc.constantFrom('web', 'app', 'worker'), { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      fc.constantFrom<JsonObject>(
        {},
        { privileged: true },
        { capabilities: { add: ['NET_ADMIN'] } },
      ),
    )
    .map(([volumes, names, picks, securityContext]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', annotations: {} },
      spec: {
        volumes: volumes.map((name) =>
          name === 'host' ? { name, hostPath: { path: '/var/log' } } : { name, emptyDir: {} },
        ),
        containers: names.map((name, i) => ({
          name,
          image: 'img',
          securityContext,
          volumeMounts: volumes
            .filter((_, k) => ((picks[i] ?? 0) >> k) % 2 === 1)
            .map((volume) => ({ name: volume, mountPath: `/pod/${volume}` })),
        })),
      },
    }))

  /** The cross-references the API server checks, written here apart from the engine's own. */
  function expectValidReferences(pod: JsonObject): void {
    const spec = pod.spec as JsonObject
    const volumes = ((spec.volumes as JsonObject[] | undefined) ?? []).map((v) => v.name)
    expect(new Set(volumes).size).toBe(volumes.length)
    const all = [
      ...((spec.containers as JsonObject[] | undefined) ?? []),
      ...((spec.initContainers as JsonObject[] | undefined) ?? []),
    ]
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length)
    for (const container of all) {
      const mounts = (container.volumeMounts as JsonObject[] | undefined) ?? []
      for (const mount of mounts) expect(volumes).toContain(mount.name)
      expect(new Set(mounts.map((m) => m.mountPath)).size).toBe(mounts.length)
    }
  }

  it('injects only pods the Pod schema and the API server cross-references accept, or skips', {
    timeout,
  }, () => {
    const seen = { injected: 0, skipped: 0, refused: 0 }
    const strict = { ...settings, allowHostAccess: false }
    fc.assert(
      fc.property(validPod, fc.tuple(sidecarText('one'), sidecarText('two')), (pod, texts) => {
        new Pod(pod).validate()
        const entries = texts.map((text, i) => ({
          text,
          source: { kind: 'File' as const, path: `${i}.json` },
        }))
        const accepted: SidecarConfig[] = []
        for (const { verdict } of checkConfigSet(entries, { allowHostAccess: false })) {
          if (verdict.ok) accepted.push(verdict.config)
          else seen.refused++
        }
        if (accepted.length === 0) return
        const metadata = pod.metadata as JsonObject
        metadata.annotations = {
          'injector.tumblr.com/request': accepted.map(formatSidecarRef).join(','),
        }
        const decision = decideAdmission(podRequest(pod), strict, lookupOf(...accepted))
        if (decision.kind === 'skip') {
          seen.skipped++
          return
        }
        seen.injected++
        const after = applyPatch(pod, decision.patch)
        expect(() => new Pod(after).validate()).not.toThrow()
        expectValidReferences(after)
      }),
      { numRuns: runs },
    )
    // Not vacuous: the pools make every outcome common (about 10%, 60% and 50% of runs).
    expect(seen.injected).toBeGreaterThan(runs / 40)
    expect(seen.skipped).toBeGreaterThan(runs / 20)
    expect(seen.refused).toBeGreaterThan(runs / 20)
  })
})
