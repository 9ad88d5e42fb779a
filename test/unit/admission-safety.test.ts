import { describe, expect, it } from 'vitest'
import { decideAdmission } from '../../shared/decision.ts'
import { checkInjectionResult } from '../../shared/injection-check.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import type { InjectionSettings, PatchOp, SidecarConfig } from '../../shared/types.ts'
import { config, lookupOf, podRequest, requestingPod } from './engine-support.ts'

const strict: InjectionSettings = { ...DEFAULT_INJECTION_SETTINGS, allowHostAccess: false }
const open: InjectionSettings = { ...DEFAULT_INJECTION_SETTINGS, allowHostAccess: true }

/** The decision for a pod with `spec` asking for `sidecar`, as `[kind or reason, warnings]`. */
function decide(sidecar: SidecarConfig, spec: JsonObject, settings = strict) {
  const pod = requestingPod(`${sidecar.name}:${sidecar.version}`, spec)
  const decision = decideAdmission(podRequest(pod), settings, lookupOf(sidecar))
  return decision.kind === 'inject'
    ? ['inject', decision.warnings]
    : [decision.reason, decision.warnings]
}

const app = (securityContext: JsonObject): JsonObject => ({
  containers: [{ name: 'app', image: 'nginx', securityContext }],
})
const withEnv = config('name: envs\nenv: [{name: LD_PRELOAD, value: /tmp/x.so}]')
const withMounts = config(
  'name: mounts\nvolumes: [{name: shared, emptyDir: {}}]\nvolumeMounts: [{name: shared, mountPath: /shared}]',
)
const sidecarOnly = config('name: plain\ncontainers: [{name: helper, image: busybox}]')
const skipped = (detail: string) => ['config_error', [`sidecar injection skipped: ${detail}`]]

describe('no borrowing of the pod privilege (INJECTOR_ALLOW_HOST_ACCESS=false)', () => {
  it.each([
    [
      'env into a privileged container',
      withEnv,
      app({ privileged: true }),
      'config "envs:latest" would add env to container "app" (privileged), which is not allowed',
    ],
    [
      'mounts into a container with SYS_ADMIN',
      withMounts,
      app({ capabilities: { add: ['SYS_ADMIN'] } }),
      'config "mounts:latest" would add volumeMounts to container "app" (holds capability SYS_ADMIN), which is not allowed',
    ],
    [
      'env into a privileged init container',
      withEnv,
      {
        initContainers: [{ name: 'setup', image: 's', securityContext: { privileged: true } }],
        containers: [{ name: 'app', image: 'nginx' }],
      },
      'config "envs:latest" would add env to container "setup" (privileged), which is not allowed',
    ],
    [
      'env into a Windows hostProcess container',
      withEnv,
      app({ windowsOptions: { hostProcess: true } }),
      'config "envs:latest" would add env to container "app" (a Windows hostProcess container), which is not allowed',
    ],
    [
      "a sidecar mounting the pod's hostPath volume",
      config(
        'name: peek\ncontainers: [{name: peek, image: p, volumeMounts: [{name: host, mountPath: /host}]}]',
      ),
      {
        containers: [{ name: 'app', image: 'nginx' }],
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
      },
      'config "peek:latest" would mount the pod\'s hostPath volume "host", which is not allowed',
    ],
    [
      "config-level mounts of the pod's hostPath volume",
      config('name: lend\nvolumeMounts: [{name: host, mountPath: /host}]'),
      {
        containers: [{ name: 'app', image: 'nginx' }],
        volumes: [{ name: 'host', hostPath: { path: '/var/log' } }],
      },
      'config "lend:latest" would mount the pod\'s hostPath volume "host", which is not allowed',
    ],
    [
      "a config volume the pod's hostPath volume of that name replaces",
      config(
        'name: shadow\nvolumes: [{name: data, emptyDir: {}}]\ncontainers: [{name: s, image: s, volumeMounts: [{name: data, mountPath: /data}]}]',
      ),
      {
        containers: [{ name: 'app', image: 'nginx' }],
        volumes: [{ name: 'data', hostPath: { path: '/etc' } }],
      },
      'config "shadow:latest" would mount the pod\'s hostPath volume "data", which is not allowed',
    ],
  ])('skips %s', (_, sidecar, spec, detail) => {
    expect(decide(sidecar, spec)).toEqual(skipped(detail))
    // Allowed host access, or none said, lends as tumblr did.
    expect(decide(sidecar, spec, open)[0]).toBe('inject')
    expect(decide(sidecar, spec, DEFAULT_INJECTION_SETTINGS)[0]).toBe('inject')
  })

  it.each([
    [
      'env into a container with only baseline capabilities',
      withEnv,
      app({ capabilities: { add: ['NET_BIND_SERVICE'] } }),
    ],
    [
      'a sidecar beside a privileged container, lending nothing',
      sidecarOnly,
      app({ privileged: true }),
    ],
    [
      "a config beside the pod's hostPath volume it does not mount",
      withMounts,
      {
        containers: [{ name: 'app', image: 'nginx' }],
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
      },
    ],
  ])('injects %s', (_, sidecar, spec) => {
    expect(decide(sidecar, spec)).toEqual(['inject', []])
  })
})

describe('the safety net: a patched pod the API server would refuse is admitted unchanged', () => {
  const invalid = (detail: string) => [
    'invalid_result',
    [`sidecar injection skipped: the injected pod would be invalid: ${detail}`],
  ]

  it.each([
    [
      "a sidecar mounting a volume neither the config nor the pod has (tumblr's complex-sidecar)",
      config(
        'name: twem\ncontainers: [{name: foo, image: f, volumeMounts: [{name: twem-config, mountPath: /etc/foo}]}]',
      ),
      { containers: [{ name: 'app', image: 'nginx' }] },
      'container "foo" mounts "twem-config", not a pod volume',
    ],
    [
      'config-level mounts of a volume the pod lacks',
      config('name: logs\nvolumeMounts: [{name: app-logs, mountPath: /logs}]'),
      {
        containers: [
          { name: 'app', image: 'nginx' },
          { name: 'web', image: 'w' },
        ],
      },
      'container "app" mounts "app-logs", not a pod volume (and 1 more)',
    ],
  ])('skips %s', (_, sidecar, spec, detail) => {
    expect(decide(sidecar, spec, DEFAULT_INJECTION_SETTINGS)).toEqual(invalid(detail))
  })

  it('injects when the pod has the volume the config mounts', () => {
    const sidecar = config('name: logs\nvolumeMounts: [{name: app-logs, mountPath: /logs}]')
    const spec = {
      containers: [{ name: 'app', image: 'nginx' }],
      volumes: [{ name: 'app-logs', emptyDir: {} }],
    }
    expect(decide(sidecar, spec, DEFAULT_INJECTION_SETTINGS)).toEqual(['inject', []])
  })

  it('leaves out what the pod got wrong before the patch: the API server will say so', () => {
    const spec = {
      containers: [
        { name: 'app', image: 'nginx', volumeMounts: [{ name: 'gone', mountPath: '/gone' }] },
      ],
    }
    expect(decide(sidecarOnly, spec, DEFAULT_INJECTION_SETTINGS)).toEqual(['inject', []])
  })

  it('checks the Kubernetes types of a config that did not come through the parser', () => {
    const stored: SidecarConfig = {
      ...sidecarOnly,
      name: 'stored',
      containers: [{ name: 'helper', image: 'busybox', ports: [{ containerPort: '80' }] }],
    }
    expect(
      decide(stored, { containers: [{ name: 'app', image: 'nginx' }] }, DEFAULT_INJECTION_SETTINGS),
    ).toEqual(
      invalid('config "stored:latest": containers[0].ports[0].containerPort: must be an integer'),
    )
  })
})

describe('checkInjectionResult on patches', () => {
  const pod: JsonObject = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        { name: 'app', image: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'web', image: 'w' },
      ],
      initContainers: [{ name: 'setup', image: 's' }],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  }
  const add = (path: string, value: JsonObject | JsonObject[] | string): PatchOp => ({
    op: 'add',
    path,
    value,
  })
  const check = (...patch: PatchOp[]) => checkInjectionResult(pod, [], patch)

  it.each([
    [[add('/spec/containers/-', { name: 'app', image: 'x' })], 'container "app" is defined twice'],
    [
      [add('/spec/initContainers/0', { name: 'web', image: 'x' })],
      'container "web" is defined twice',
    ],
    [
      [add('/spec/ephemeralContainers', [{ name: 'setup', image: 'x' }])],
      'container "setup" is defined twice',
    ],
    [[add('/spec/volumes/-', { name: 'data', emptyDir: {} })], 'volume "data" is defined twice'],
    [
      [add('/spec/containers/1/volumeMounts', [{ name: 'nope', mountPath: '/n' }])],
      'container "web" mounts "nope", not a pod volume',
    ],
    [
      [add('/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: '/data' })],
      'container "app" mounts twice at "/data"',
    ],
    [
      [
        add('/spec/containers/0/volumeMounts/0/mountPath', '/x'),
        add('/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: '/x' }),
      ],
      'container "app" mounts twice at "/x"',
    ],
    [
      [{ op: 'remove', path: '/spec/volumes/0' }],
      'container "app" mounts "data", not a pod volume',
    ],
    [
      [{ op: 'replace', path: '/spec/containers/1/name', value: 'app' }],
      'container "app" is defined twice',
    ],
    [
      [add('/spec/containers/5/env', [])],
      'patch operation add /spec/containers/5/env points past the end of the list',
    ],
    [
      [add('/spec/containers/3', { name: 'x', image: 'x' })],
      'patch operation add /spec/containers/3 points past the end of the list',
    ],
    [
      [add('/spec/containers/01/env/-', { name: 'A' })],
      'patch operation add /spec/containers/01/env/- points past the end of the list',
    ],
    [
      [
        add('/spec/imagePullSecrets/-', { name: 'r' }),
        add('/spec/hostAliases/-', { ip: '1.1.1.1' }),
        add('/status', {}),
      ],
      'patch operation add /status is outside the spec and metadata',
    ],
    [
      [add('/spec/ephemeralContainers/-', { name: 'x', image: 'x' })],
      'patch operation add /spec/ephemeralContainers/- points into a list the pod does not have',
    ],
    [
      [add('/spec/volumes', 'not-a-list')],
      'patch operation add /spec/volumes sets a list to something else',
    ],
    [
      [{ op: 'remove', path: '/spec' }],
      'patch operation remove /spec would leave the pod without a spec',
    ],
  ] as const)('%j: %s', (patch, problem) => {
    expect(check(...patch)).toBe(problem)
  })

  it.each([
    [[]],
    [
      [
        add('/spec/containers/-', {
          name: 'log',
          image: 'l',
          volumeMounts: [{ name: 'data', mountPath: '/d' }],
        }),
      ],
    ],
    [
      [
        add('/spec/initContainers/0', { name: 'proxy', image: 'p' }),
        add('/spec/initContainers/1/env', []),
      ],
    ],
    [
      [
        add('/spec/volumes/-', { name: 'logs', emptyDir: {} }),
        add('/spec/containers/1/volumeMounts', [{ name: 'logs', mountPath: '/l' }]),
      ],
    ],
    [
      [
        add('/metadata/annotations', { 'a/b': 'c' }),
        add('/metadata/annotations/x~1y', 'z'),
        add('/spec/hostNetwork', true as unknown as string),
      ],
    ],
    [
      [
        { op: 'remove', path: '/spec/containers/0/volumeMounts/0' },
        { op: 'remove', path: '/spec/volumes/0' },
      ],
    ],
    [[add('/spec', { containers: [{ name: 'only', image: 'o' }] })]],
  ] as const)('accepts %j', (patch) => {
    expect(check(...patch)).toBeUndefined()
  })

  it('leaves the pod as it was', () => {
    const before = structuredClone(pod)
    check(
      add('/spec/containers/-', { name: 'x', image: 'x' }),
      add('/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: '/y' }),
    )
    expect(pod).toEqual(before)
  })
})

describe('work kept per config object', () => {
  const logger = config(
    'name: logger\ncontainers: [{name: logger, image: l}]\nenv: [{name: LOG, value: "1"}]',
  )
  const metrics = config('name: metrics\nenv: [{name: METRICS, value: "1"}]')
  const injected = (names: string, spec: JsonObject, ...configs: SidecarConfig[]) => {
    const decision = decideAdmission(
      podRequest(requestingPod(names, spec)),
      DEFAULT_INJECTION_SETTINGS,
      lookupOf(...configs),
    )
    return decision.kind === 'inject' ? decision.patch : decision.reason
  }
  const plain = { containers: [{ name: 'app', image: 'a' }] }

  it('merges a lone config once, but not for a pod whose names it clashes with', () => {
    const first = injected('logger', plain, logger)
    expect(injected('logger', { containers: [{ name: 'logger', image: 'other' }] }, logger)).toBe(
      'name_clash',
    )
    expect(injected('logger', plain, logger)).toEqual(first)
  })

  it('completes a config container with the shared entries of each request', () => {
    const sidecarEnv = (patch: unknown) =>
      (patch as { path: string; value: { env?: JsonObject[] } }[])
        .find((op) => op.path === '/spec/containers/-')
        ?.value.env?.map((e) => e.name)
    expect(sidecarEnv(injected('logger', plain, logger))).toEqual(['LOG'])
    expect(sidecarEnv(injected('logger,metrics', plain, logger, metrics))).toEqual([
      'LOG',
      'METRICS',
    ])
    expect(sidecarEnv(injected('logger', plain, logger))).toEqual(['LOG'])
  })
})
