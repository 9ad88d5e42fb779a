import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { Deployment } from 'kubernetes-models/apps/v1'
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import { ConfigMap, Namespace, Secret, ServiceAccount } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { readRelaySettings } from '../../relay/settings.ts'

const root = resolve(import.meta.dirname, '../..')

type Validator = (object: Record<string, unknown>) => void

// Every kind the base may render; a new kind must be added here to be validated.
const validators: Record<string, Validator> = {
  'v1/Namespace': (o) => new Namespace(o as never).validate(),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as never).validate(),
  'v1/ConfigMap': (o) => new ConfigMap(o as never).validate(),
  'v1/Secret': (o) => new Secret(o as never).validate(),
  'rbac.authorization.k8s.io/v1/Role': (o) => new Role(o as never).validate(),
  'rbac.authorization.k8s.io/v1/RoleBinding': (o) => new RoleBinding(o as never).validate(),
  'rbac.authorization.k8s.io/v1/ClusterRole': (o) => new ClusterRole(o as never).validate(),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o) =>
    new ClusterRoleBinding(o as never).validate(),
  'apps/v1/Deployment': (o) => new Deployment(o as never).validate(),
}

interface RenderedObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [key: string]: unknown
}

function render(dir: string): RenderedObject[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { cwd: root, encoding: 'utf8' })
  return parseAllDocuments(text).map((document) => document.toJS() as RenderedObject)
}

function renderBase(): RenderedObject[] {
  return render('deploy/relay')
}

/** Renders an overlay of the base with the report-pods component, as docs/deployment.md shows. */
function renderWithReportPods(overlayNamespace?: string): RenderedObject[] {
  return renderWithComponents(['report-pods'], overlayNamespace)
}

/** Renders an overlay of the base with the named optional components. */
function renderWithComponents(
  components: readonly string[],
  overlayNamespace?: string,
): RenderedObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'relay-overlay-'))
  try {
    const base = relative(dir, resolve(root, 'deploy/relay'))
    const lines = [
      ...(overlayNamespace === undefined ? [] : [`namespace: ${overlayNamespace}`]),
      'resources:',
      `  - ${base}`,
      'components:',
      ...components.map((component) => `  - ${base}/components/${component}`),
    ]
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`)
    return render(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const objects = renderBase()

function find(kind: string): RenderedObject {
  const found = objects.find((object) => object.kind === kind)
  if (found === undefined) throw new Error(`no ${kind} rendered`)
  return found
}

describe('deploy/relay kustomize base', () => {
  it('renders the namespace, identity, RBAC, secret, settings, deployment and example config', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()
    expect(kinds).toEqual([
      'ConfigMap/example-sidecars',
      expect.stringMatching(/^ConfigMap\/relay-settings-[a-z0-9]+$/),
      'Deployment/sidecar-injector-relay',
      'Namespace/sidecar-injector',
      'Role/sidecar-injector-relay',
      'RoleBinding/sidecar-injector-relay',
      'Secret/relay-sync-token',
      'ServiceAccount/sidecar-injector-relay',
    ])
  })

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s validates against the Kubernetes schema',
    (_, object) => {
      const validate = validators[`${object.apiVersion}/${object.kind}`]
      expect(validate, `no validator for ${object.apiVersion} ${object.kind}`).toBeDefined()
      expect(() => validate?.(object)).not.toThrow()
    },
  )

  it('puts every namespaced object in the relay namespace', () => {
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, object.kind).toBe('sidecar-injector')
    }
  })

  it('grants only namespaced read access to ConfigMaps and creation of Events', () => {
    expect(objects.some((o) => o.kind.startsWith('Cluster'))).toBe(false)
    expect(find('Role').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ])
    const binding = find('RoleBinding') as RenderedObject & {
      subjects: { kind: string; name: string; namespace: string }[]
      roleRef: { kind: string; name: string }
    }
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'sidecar-injector-relay' })
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sidecar-injector-relay', namespace: 'sidecar-injector' },
    ])
  })

  describe('the relay Deployment', () => {
    const deployment = new Deployment(find('Deployment') as never)
    const pod = deployment.spec?.template.spec
    const container = pod?.containers[0]

    it('runs as non-root with a read-only root, no capabilities and the runtime seccomp profile', () => {
      expect(pod?.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      })
      expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0)
      expect(container?.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      })
      expect(pod?.serviceAccountName).toBe('sidecar-injector-relay')
    })

    it('has requests and limits for cpu and memory', () => {
      expect(Object.keys(container?.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory'])
      expect(Object.keys(container?.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory'])
    })

    it('probes /healthz and /readyz and is scraped on the lifecycle port 9000', () => {
      expect(container?.ports).toEqual([{ name: 'lifecycle', containerPort: 9000 }])
      expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'lifecycle' })
      expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'lifecycle' })
      expect(deployment.spec?.template.metadata?.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9000',
        'prometheus.io/path': '/metrics',
      })
    })

    it('passes the relay its token file, lifecycle port, cluster and Worker URL', () => {
      expect(container?.args).toEqual([
        '--token-file=/var/run/secrets/sidecar-injector/token',
        '--lifecycle-port=9000',
      ])
      const settingsName = container?.envFrom?.[0]?.configMapRef?.name
      const settings = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === settingsName,
      )
      expect(settings?.data).toEqual({
        RELAY_CLUSTER: expect.stringMatching(/^[a-z0-9-]+$/),
        RELAY_WORKER_URL: expect.stringMatching(/^https:\/\//),
      })
    })

    it('mounts the sync token Secret as a directory so rotations reach the running relay', () => {
      const mount = container?.volumeMounts?.find((m) => m.name === 'sync-token')
      expect(mount).toEqual({
        name: 'sync-token',
        mountPath: '/var/run/secrets/sidecar-injector',
        readOnly: true,
      })
      expect(mount).not.toHaveProperty('subPath')
      const volume = pod?.volumes?.find((v) => v.name === 'sync-token')
      expect(volume?.secret?.secretName).toBe('relay-sync-token')
      expect(find('Secret')).toMatchObject({ stringData: { token: expect.any(String) } })
    })
  })

  it('ships an example sidecar ConfigMap with the label the relay selects by default', () => {
    const example = objects.find((o) => o.metadata.name === 'example-sidecars')
    expect(example?.metadata.labels).toMatchObject({ app: 'k8s-sidecar-injector' })
    expect(Object.keys((example?.data as Record<string, string>) ?? {})).toEqual(['logger.yaml'])
  })
})

describe('deploy/relay/components/report-pods', () => {
  const withPods = renderWithReportPods()
  const named = (kind: string) => {
    const found = withPods.find((o) => o.kind === kind)
    if (found === undefined) throw new Error(`no ${kind} rendered`)
    return found
  }

  it('adds a ClusterRole that lists pods and nothing else, bound to the relay ServiceAccount', () => {
    const added = withPods
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .filter((id) => !objects.some((o) => `${o.kind}/${o.metadata.name}` === id))
    expect(added.sort()).toEqual([
      'ClusterRole/sidecar-injector-relay-report-pods',
      'ClusterRoleBinding/sidecar-injector-relay-report-pods',
    ])
    expect(named('ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ])
    expect(named('ClusterRoleBinding')).toMatchObject({
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'sidecar-injector-relay-report-pods',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'sidecar-injector-relay', namespace: 'sidecar-injector' },
      ],
    })
    // The namespaced Role stays as in the base.
    expect(named('Role').rules).toEqual(find('Role').rules)
  })

  it.each(withPods.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s validates against the Kubernetes schema',
    (_, object) => {
      const validate = validators[`${object.apiVersion}/${object.kind}`]
      expect(validate, `no validator for ${object.apiVersion} ${object.kind}`).toBeDefined()
      expect(() => validate?.(object)).not.toThrow()
    },
  )

  it('turns --report-pods on in the relay, which reads it from its arguments', () => {
    const deployment = new Deployment(named('Deployment') as never)
    const container = deployment.spec?.template.spec?.containers[0]
    const args = container?.args ?? []
    expect(args).toEqual([
      '--token-file=/var/run/secrets/sidecar-injector/token',
      '--lifecycle-port=9000',
      '--report-pods',
    ])
    const env = withPods.find(
      (o) => o.metadata.name === container?.envFrom?.[0]?.configMapRef?.name,
    )
    const settings = readRelaySettings(args, {
      env: (env?.data ?? {}) as Record<string, string>,
      podNamespace: () => 'sidecar-injector',
    })
    expect(settings.reportPods).toBe(true)
    const base = new Deployment(find('Deployment') as never).spec?.template.spec?.containers[0]
    expect(
      readRelaySettings(base?.args ?? [], {
        env: (env?.data ?? {}) as Record<string, string>,
        podNamespace: () => 'x',
      }).reportPods,
    ).toBe(false)
  })

  it('binds the ServiceAccount where an overlay moves the relay', () => {
    const moved = renderWithReportPods('platform')
    const binding = moved.find((o) => o.kind === 'ClusterRoleBinding')
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sidecar-injector-relay', namespace: 'platform' },
    ])
  })
})

describe('deploy/relay/components/namespace-defaults', () => {
  const withDefaults = renderWithComponents(['namespace-defaults'])
  const named = (kind: string) => {
    const found = withDefaults.find((o) => o.kind === kind)
    if (found === undefined) throw new Error(`no ${kind} rendered`)
    return found
  }
  const relayArgs = (rendered: readonly RenderedObject[]): string[] => {
    const deployment = rendered.find((o) => o.kind === 'Deployment')
    return new Deployment(deployment as never).spec?.template.spec?.containers[0]?.args ?? []
  }

  it('adds a ClusterRole that gets, lists and watches namespaces and nothing else, bound to the relay', () => {
    const added = withDefaults
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .filter((id) => !objects.some((o) => `${o.kind}/${o.metadata.name}` === id))
    expect(added.sort()).toEqual([
      'ClusterRole/sidecar-injector-relay-namespace-defaults',
      'ClusterRoleBinding/sidecar-injector-relay-namespace-defaults',
    ])
    expect(named('ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
    ])
    expect(named('ClusterRoleBinding')).toMatchObject({
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'sidecar-injector-relay-namespace-defaults',
      },
      subjects: [
        { kind: 'ServiceAccount', name: 'sidecar-injector-relay', namespace: 'sidecar-injector' },
      ],
    })
    expect(named('Role').rules).toEqual(find('Role').rules)
  })

  it.each(withDefaults.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s validates against the Kubernetes schema',
    (_, object) => {
      const validate = validators[`${object.apiVersion}/${object.kind}`]
      expect(validate, `no validator for ${object.apiVersion} ${object.kind}`).toBeDefined()
      expect(() => validate?.(object)).not.toThrow()
    },
  )

  it('turns --namespace-defaults on in the relay, which reads it from its arguments', () => {
    const args = relayArgs(withDefaults)
    expect(args).toEqual([
      '--token-file=/var/run/secrets/sidecar-injector/token',
      '--lifecycle-port=9000',
      '--namespace-defaults',
    ])
    const env = withDefaults.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('relay-settings'),
    )
    const settings = readRelaySettings(args, {
      env: (env?.data ?? {}) as Record<string, string>,
      podNamespace: () => 'sidecar-injector',
    })
    expect(settings.namespaceDefaults).toBe(true)
    expect(
      readRelaySettings(relayArgs(objects), {
        env: (env?.data ?? {}) as Record<string, string>,
        podNamespace: () => 'x',
      }).namespaceDefaults,
    ).toBe(false)
  })

  it('combines with report-pods: both roles, both flags', () => {
    const both = renderWithComponents(['report-pods', 'namespace-defaults'])
    expect(
      both
        .filter((o) => o.kind === 'ClusterRole')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['sidecar-injector-relay-namespace-defaults', 'sidecar-injector-relay-report-pods'])
    expect(relayArgs(both).slice(-2)).toEqual(['--report-pods', '--namespace-defaults'])
  })

  it('binds the ServiceAccount where an overlay moves the relay', () => {
    const moved = renderWithComponents(['namespace-defaults'], 'platform')
    const binding = moved.find((o) => o.kind === 'ClusterRoleBinding')
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sidecar-injector-relay', namespace: 'platform' },
    ])
  })
})
