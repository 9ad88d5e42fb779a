import { describe, expect, it } from 'vitest'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { buildPatch } from '../../shared/patch.ts'
import type { SidecarConfig } from '../../shared/types.ts'
import { applyPatch, config } from './engine-support.ts'

const settings = DEFAULT_INJECTION_SETTINGS
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount'
const STATUS = {
  op: 'add',
  path: '/metadata/annotations/injector.tumblr.com~1status',
  value: 'injected',
}

/** Builds, applies (validating), checks the second pass adds nothing, and returns both. */
function inject(pod: JsonObject, ...configs: SidecarConfig[]) {
  const result = buildPatch(pod, configs, settings)
  const after = applyPatch(pod, result.patch)
  expect(buildPatch(after, configs, settings).patch).toEqual([])
  return { ...result, after, spec: after.spec as JsonObject }
}

const pod = (spec: JsonObject, metadata: JsonObject = { annotations: {} }): JsonObject => ({
  metadata,
  spec,
})

describe('buildPatch', () => {
  it('appends containers and adds env and mounts to every container, never overriding', () => {
    const sidecar = config(`
name: logger
containers: [{name: logger, image: busybox, env: [{name: LEVEL, value: own}]}]
env: [{name: LEVEL, value: shared}, {name: ZONE, value: a}]
volumeMounts: [{name: logs, mountPath: /logs}]
volumes: [{name: logs, emptyDir: {}}]
`)
    const { patch, spec } = inject(
      pod({
        initContainers: [{ name: 'init', image: 'i' }],
        containers: [
          { name: 'app', image: 'a', env: [{ name: 'ZONE', value: 'pod' }] },
          { name: 'web', image: 'w', volumeMounts: [{ name: 'logs', mountPath: '/elsewhere' }] },
        ],
      }),
      sidecar,
    )
    expect(patch).toEqual([
      { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'LEVEL', value: 'shared' } },
      {
        op: 'add',
        path: '/spec/containers/0/volumeMounts',
        value: [{ name: 'logs', mountPath: '/logs' }],
      },
      {
        op: 'add',
        path: '/spec/containers/1/env',
        value: [
          { name: 'LEVEL', value: 'shared' },
          { name: 'ZONE', value: 'a' },
        ],
      },
      {
        op: 'add',
        path: '/spec/initContainers/0/env',
        value: [
          { name: 'LEVEL', value: 'shared' },
          { name: 'ZONE', value: 'a' },
        ],
      },
      {
        op: 'add',
        path: '/spec/initContainers/0/volumeMounts',
        value: [{ name: 'logs', mountPath: '/logs' }],
      },
      {
        op: 'add',
        path: '/spec/containers/-',
        value: {
          name: 'logger',
          image: 'busybox',
          env: [
            { name: 'LEVEL', value: 'own' },
            { name: 'ZONE', value: 'a' },
          ],
          volumeMounts: [{ name: 'logs', mountPath: '/logs' }],
        },
      },
      { op: 'add', path: '/spec/volumes', value: [{ name: 'logs', emptyDir: {} }] },
      STATUS,
    ])
    expect((spec.containers as JsonObject[])[1]?.volumeMounts).toEqual([
      { name: 'logs', mountPath: '/elsewhere' },
    ])
  })

  it('puts native sidecars before the pod init containers and appends the others', () => {
    const sidecar = config(`
name: mesh
initContainers:
  - {name: proxy, image: envoy, restartPolicy: Always}
  - {name: late, image: late}
  - {name: agent, image: agent, restartPolicy: Always}
`)
    const { spec } = inject(
      pod({
        initContainers: [{ name: 'migrate', image: 'm' }],
        containers: [{ name: 'app', image: 'a' }],
      }),
      sidecar,
    )
    expect((spec.initContainers as JsonObject[]).map((c) => c.name)).toEqual([
      'proxy',
      'agent',
      'migrate',
      'late',
    ])
    const fresh = inject(pod({ containers: [{ name: 'app', image: 'a' }] }), sidecar)
    expect(fresh.patch[0]).toEqual({
      op: 'add',
      path: '/spec/initContainers',
      value: [
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
        { name: 'agent', image: 'agent', restartPolicy: 'Always' },
        { name: 'late', image: 'late' },
      ],
    })
  })

  it.each([
    [undefined, 'sa', true],
    ['', 'sa', true],
    ['default', 'sa', true],
    ['custom', 'sa', false],
    ['sa', 'sa', false],
  ])(
    'with serviceAccountName %j and a config asking for %j, replaces it: %s',
    (current, wanted, replaced) => {
      const sidecar = config(`name: s\nserviceAccountName: ${wanted}`)
      const spec: JsonObject = { containers: [{ name: 'app', image: 'a' }] }
      if (current !== undefined) spec.serviceAccountName = current
      const { patch } = inject(pod(spec), sidecar)
      expect(patch.some((op) => op.path === '/spec/serviceAccountName')).toBe(replaced)
    },
  )

  it('removes the old token mounts with indices that stay correct as they shift', () => {
    const mounts = (...paths: string[]) =>
      paths.map((mountPath, i) => ({ name: `m${i}`, mountPath }))
    const before = pod({
      serviceAccountName: 'default',
      initContainers: [{ name: 'init', image: 'i', volumeMounts: mounts(TOKEN) }],
      containers: [
        {
          name: 'app',
          image: 'a',
          volumeMounts: mounts(TOKEN, '/data', `${TOKEN}/`, '/cache', TOKEN),
        },
        { name: 'web', image: 'w', volumeMounts: mounts('/data') },
      ],
    })
    const sidecar = config(
      'name: s\nserviceAccountName: logger\nvolumeMounts: [{name: logs, mountPath: /logs}]',
    )
    const { patch, spec } = inject(before, sidecar)
    expect(patch.slice(0, 6)).toEqual([
      { op: 'add', path: '/spec/serviceAccountName', value: 'logger' },
      { op: 'remove', path: '/spec/containers/0/volumeMounts/4' },
      { op: 'remove', path: '/spec/containers/0/volumeMounts/2' },
      { op: 'remove', path: '/spec/containers/0/volumeMounts/0' },
      { op: 'remove', path: '/spec/initContainers/0/volumeMounts/0' },
      {
        op: 'add',
        path: '/spec/containers/0/volumeMounts/-',
        value: { name: 'logs', mountPath: '/logs' },
      },
    ])
    const containers = spec.containers as JsonObject[]
    expect(containers[0]?.volumeMounts).toEqual([
      { name: 'm1', mountPath: '/data' },
      { name: 'm3', mountPath: '/cache' },
      { name: 'logs', mountPath: '/logs' },
    ])
    expect((spec.initContainers as JsonObject[])[0]?.volumeMounts).toEqual([
      { name: 'logs', mountPath: '/logs' },
    ])
  })

  it('adds volumes and pull secrets unless named, appends new host aliases, sets host flags', () => {
    const sidecar = config(`
name: s
volumes: [{name: data, emptyDir: {}}, {name: logs, emptyDir: {}}]
imagePullSecrets: [{name: registry}, {name: mirror}]
hostAliases: [{ip: 10.0.0.1, hostnames: [a]}, {ip: 10.0.0.2, hostnames: [b]}]
hostNetwork: true
hostPID: true
`)
    const { patch } = inject(
      pod({
        containers: [{ name: 'app', image: 'a' }],
        volumes: [{ name: 'data', configMap: { name: 'mine' } }],
        imagePullSecrets: [{ name: 'registry' }],
        hostAliases: [{ hostnames: ['a'], ip: '10.0.0.1' }],
        hostNetwork: false,
      }),
      sidecar,
    )
    expect(patch).toEqual([
      { op: 'add', path: '/spec/volumes/-', value: { name: 'logs', emptyDir: {} } },
      { op: 'add', path: '/spec/imagePullSecrets/-', value: { name: 'mirror' } },
      { op: 'add', path: '/spec/hostAliases/-', value: { ip: '10.0.0.2', hostnames: ['b'] } },
      { op: 'add', path: '/spec/hostNetwork', value: true },
      { op: 'add', path: '/spec/hostPID', value: true },
      STATUS,
    ])
  })

  it('creates absent arrays and maps instead of appending into nothing', () => {
    const sidecar = config(`
name: s
containers: [{name: c, image: i}]
volumes: [{name: v, emptyDir: {}}]
imagePullSecrets: [{name: r}]
hostAliases: [{ip: 10.0.0.1}]
labels: {team: obs}
annotations: {example.com/a: b}
`)
    const { patch, after } = inject(
      { spec: { containers: [{ name: 'app', image: 'a' }] } },
      sidecar,
    )
    expect(patch.map((op) => op.path)).toEqual([
      '/spec/containers/-',
      '/spec/volumes',
      '/spec/imagePullSecrets',
      '/spec/hostAliases',
      '/metadata',
      '/metadata/labels',
      '/metadata/annotations',
      '/metadata/annotations/injector.tumblr.com~1status',
    ])
    expect(after.metadata).toEqual({
      labels: { team: 'obs' },
      annotations: { 'example.com/a': 'b', 'injector.tumblr.com/status': 'injected' },
    })
  })

  it('adds labels and annotations without overriding, escaping JSON Pointer tokens, status last', () => {
    // Kubernetes keys cannot hold "~", but the escaping must not rely on that.
    const sidecar: SidecarConfig = {
      ...config('name: s'),
      labels: { team: 'obs', 'app.kubernetes.io/part-of': 'mesh' },
      annotations: { 'a~b/c': '1', 'x/y~z': '2', team: 'mine' },
    }
    const { patch, after } = inject(
      pod({ containers: [] }, { labels: { team: 'web' }, annotations: { team: 'theirs' } }),
      sidecar,
    )
    expect(patch).toEqual([
      { op: 'add', path: '/metadata/labels/app.kubernetes.io~1part-of', value: 'mesh' },
      { op: 'add', path: '/metadata/annotations/a~0b~1c', value: '1' },
      { op: 'add', path: '/metadata/annotations/x~1y~0z', value: '2' },
      STATUS,
    ])
    expect(after.metadata).toEqual({
      labels: { team: 'web', 'app.kubernetes.io/part-of': 'mesh' },
      annotations: {
        team: 'theirs',
        'a~b/c': '1',
        'x/y~z': '2',
        'injector.tumblr.com/status': 'injected',
      },
    })
  })

  it('replaces a status annotation that says something else', () => {
    const { patch } = inject(
      pod({ containers: [] }, { annotations: { 'injector.tumblr.com/status': 'pending' } }),
      config('name: s\nlabels: {a: b}'),
    )
    expect(patch.at(-1)).toEqual(STATUS)
  })

  it('uses the annotation namespace of the settings for the status', () => {
    const result = buildPatch(pod({ containers: [] }), [config('name: s\nlabels: {a: b}')], {
      ...settings,
      annotationNamespace: 'sidecar.example.com',
    })
    expect(result.patch.at(-1)).toEqual({
      op: 'add',
      path: '/metadata/annotations/sidecar.example.com~1status',
      value: 'injected',
    })
  })

  it('leaves out a config whose container name the pod has, and says so', () => {
    const clash = config('name: clash\ncontainers: [{name: app, image: other}]\nlabels: {a: b}')
    const fine = config('name: fine\ncontainers: [{name: fine, image: f}]')
    const result = buildPatch(
      pod({ containers: [{ name: 'app', image: 'a' }] }),
      [clash, fine],
      settings,
    )
    expect(result.applied).toEqual(['fine:latest'])
    expect(result.clashes).toEqual([
      'config "clash:latest" not injected: the pod already has a container named "app"',
    ])
    expect(result.patch.map((op) => op.path)).toEqual(['/spec/containers/-', STATUS.path])
    const initClash = config(
      'name: ic\ninitContainers: [{name: app, image: other, restartPolicy: Always}]',
    )
    expect(
      buildPatch(pod({ containers: [{ name: 'app', image: 'a' }] }), [initClash], settings).clashes,
    ).toHaveLength(1)
  })

  it('decides a clash the same way before and after another config extends the env', () => {
    // Found by the property test: env one config shares must not change whether another
    // config's container counts as injected before, or the second pass would differ.
    const sharer = config('name: sharer\nenv: [{name: A, value: "1"}]')
    const same = config(
      'name: same\ncontainers: [{name: metrics, image: img:1, env: [{name: A, value: "1"}]}]\nlabels: {a: b}',
    )
    const before = pod({ containers: [{ name: 'metrics', image: 'img:1' }] })
    const { clashes, applied } = inject(before, sharer, same)
    expect(clashes).toEqual([])
    expect(applied).toEqual(['sharer:latest', 'same:latest'])
    const other = config('name: other\ncontainers: [{name: metrics, image: img:2}]')
    expect(inject(before, sharer, other).clashes).toEqual([
      'config "other:latest" not injected: the pod already has a container named "metrics"',
    ])
  })

  it('treats a pod container equal to the config one but for env and mounts as injected before', () => {
    const sidecar = config(
      'name: s\ncontainers: [{name: metrics, image: img:1, env: [{name: B, value: "2"}]}]\nlabels: {a: b}',
    )
    const before = pod({
      containers: [{ name: 'metrics', image: 'img:1', imagePullPolicy: 'IfNotPresent' }],
    })
    const { patch, clashes } = inject(before, sidecar)
    expect(clashes).toEqual([])
    expect(patch.map((op) => op.path)).toEqual(['/metadata/labels', STATUS.path])
  })

  it.each([
    [
      'containers',
      'containers: [{name: x, image: a}]',
      'containers: [{name: x, image: b}]',
      'both define container "x"',
    ],
    [
      'init and regular',
      'containers: [{name: x, image: a}]',
      'initContainers: [{name: x, image: a}]',
      'both define container "x"',
    ],
    [
      'env',
      'env: [{name: E, value: a}]',
      'env: [{name: E, value: b}]',
      'define env "E" differently',
    ],
    [
      'mounts',
      'volumeMounts: [{name: v, mountPath: /a}]',
      'volumeMounts: [{name: v, mountPath: /b}]',
      'define volumeMount "v" differently',
    ],
    [
      'volumes',
      'volumes: [{name: v, emptyDir: {}}]',
      'volumes: [{name: v, configMap: {name: c}}]',
      'define volume "v" differently',
    ],
    [
      'accounts',
      'serviceAccountName: a',
      'serviceAccountName: b',
      'set different serviceAccountNames',
    ],
    ['labels', 'labels: {k: a}', 'labels: {k: b}', 'set label "k" differently'],
    ['annotations', 'annotations: {k: a}', 'annotations: {k: b}', 'set annotation "k" differently'],
  ])('reports conflicting %s and patches nothing', (_, first, second, message) => {
    const result = buildPatch(
      pod({ containers: [] }),
      [config(`name: one\n${first}`), config(`name: two\n${second}`)],
      settings,
    )
    expect(result.patch).toEqual([])
    expect(result.applied).toEqual([])
    expect(result.conflicts).toEqual([`configs "one:latest" and "two:latest" ${message}`])
  })

  it('merges agreeing configs: same env, same volume, same alias once', () => {
    const shared =
      'env: [{name: E, value: a}]\nvolumes: [{name: v, emptyDir: {}}]\nhostAliases: [{ip: 10.0.0.1}]'
    const { patch } = inject(
      pod({ containers: [] }),
      config(`name: one\n${shared}`),
      config(`name: two\n${shared}`),
    )
    expect(patch.filter((op) => op.path.startsWith('/spec/'))).toEqual([
      { op: 'add', path: '/spec/volumes', value: [{ name: 'v', emptyDir: {} }] },
      { op: 'add', path: '/spec/hostAliases', value: [{ ip: '10.0.0.1' }] },
    ])
  })

  it('keeps unknown container fields verbatim', () => {
    const sidecar = config(
      'name: s\ncontainers: [{name: c, image: i, resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}], fromTheFuture: {x: [1]}}]',
    )
    const { patch } = inject(pod({ containers: [] }), sidecar)
    expect(patch[0]).toEqual({
      op: 'add',
      path: '/spec/containers/-',
      value: {
        name: 'c',
        image: 'i',
        resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
        fromTheFuture: { x: [1] },
      },
    })
  })

  it('is idempotent even without the status annotation', () => {
    const sidecar = config(`
name: s
containers: [{name: c, image: i}]
initContainers: [{name: native, image: i, restartPolicy: Always}]
env: [{name: E, value: a}]
serviceAccountName: sa
`)
    const { after } = inject(
      pod({ serviceAccountName: 'default', containers: [{ name: 'app', image: 'a' }] }),
      sidecar,
    )
    const annotations = (after.metadata as JsonObject).annotations as JsonObject
    delete annotations['injector.tumblr.com/status']
    expect(buildPatch(after, [sidecar], settings).patch).toEqual([STATUS])
  })

  it('reads only own members of the pod, never Object.prototype', () => {
    const polluted = JSON.parse(
      '{"metadata": {"labels": {}, "annotations": {"__proto__": {"x": "y"}}}, "spec": {"containers": [{"name": "app", "image": "i"}]}}',
    ) as JsonObject
    const sidecar = config(
      'name: s\nlabels: {toString: a, hasOwnProperty: b}\nenv: [{name: E, value: a}]',
    )
    const { after } = inject(polluted, sidecar)
    expect((after.metadata as JsonObject).labels).toEqual({ toString: 'a', hasOwnProperty: 'b' })
    expect(
      Object.hasOwn((after.metadata as JsonObject).annotations as JsonObject, '__proto__'),
    ).toBe(true)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('never gives a container two mounts at one path: what the container has wins', () => {
    const sidecar = config(`
name: logger
containers:
  - name: logger
    image: busybox
    volumeMounts: [{name: own, mountPath: /data}]
volumeMounts: [{name: logs, mountPath: /data}, {name: tmp, mountPath: /tmp}]
volumes: [{name: logs, emptyDir: {}}, {name: own, emptyDir: {}}, {name: tmp, emptyDir: {}}]
`)
    const { spec } = inject(
      pod({
        containers: [
          { name: 'app', image: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          { name: 'web', image: 'w' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      }),
      sidecar,
    )
    const mounts = (spec.containers as JsonObject[]).map((c) =>
      ((c.volumeMounts ?? []) as JsonObject[]).map((m) => `${m.name}@${m.mountPath}`),
    )
    expect(mounts).toEqual([
      ['data@/data', 'tmp@/tmp'],
      ['logs@/data', 'tmp@/tmp'],
      ['own@/data', 'tmp@/tmp'],
    ])
  })

  it.each([
    [
      'volumes at one path',
      'volumeMounts: [{name: v, mountPath: /x}]',
      'volumeMounts: [{name: w, mountPath: /x}]',
      'configs "d:latest" and "e:latest" mount volumes "v" and "w" at the same path "/x"',
    ],
    [
      'hostNetwork',
      'hostNetwork: false',
      'hostNetwork: true',
      'configs "d:latest" and "e:latest" set hostNetwork differently',
    ],
    [
      'hostPID',
      'hostPID: true',
      'hostPID: false',
      'configs "d:latest" and "e:latest" set hostPID differently',
    ],
  ])('reports configs that disagree on %s as a conflict', (_, d, e, conflict) => {
    const result = buildPatch(
      pod({ containers: [{ name: 'app', image: 'a' }] }),
      [config(`name: d\n${d}`), config(`name: e\n${e}`)],
      settings,
    )
    expect(result.conflicts).toEqual([conflict])
  })
})
