import { describe, expect, it } from 'vitest'
import { formatConfigIssue, parseSidecarConfig } from '../../shared/sidecar-config.ts'

/** The `path: message` lines a config text is refused with, or `[]` when it is accepted. */
function problems(text: string): string[] {
  const result = parseSidecarConfig(`name: t\n${text}`)
  return result.ok ? [] : result.issues.map(formatConfigIssue)
}

/** A config with one container built from `fields` (YAML flow-map members). */
const container = (fields: string): string => `containers: [{name: c, image: i, ${fields}}]`
const init = (fields: string): string => `initContainers: [{name: c, image: i, ${fields}}]`
const volume = (fields: string): string => `volumes: [{name: v, ${fields}}]`
const QUANTITY = 'must be a quantity such as 500m, 64Mi or 2'
const PORT = 'must be a port number between 1 and 65535'
const PORT_NAME =
  'must be a port name: at most 15 characters of a-z, 0-9 and "-", with a letter, no "-" at either end or twice in a row'

describe('Kubernetes types and rules in a config', () => {
  describe.each<[string, [string, string][]]>([
    [
      'types',
      [
        [
          container('ports: [{containerPort: "8080"}]'),
          'containers[0].ports[0].containerPort: must be an integer',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, readOnly: "yes"}]',
          'volumeMounts[0].readOnly: must be true or false',
        ],
        [container('args: {a: b}'), 'containers[0].args: must be a list'],
        [container('command: [[x]]'), 'containers[0].command[0]: must be a string'],
        [container('resources: []'), 'containers[0].resources: must be an object'],
        [container('stdin: "true"'), 'containers[0].stdin: must be true or false'],
        [container('workingDir: 3'), 'containers[0].workingDir: must be a string'],
        [
          container('securityContext: {runAsUser: 1.5}'),
          'containers[0].securityContext.runAsUser: must be an integer',
        ],
        [
          container('readinessProbe: {exec: {command: [x]}, periodSeconds: 3000000000}'),
          'containers[0].readinessProbe.periodSeconds: must be an integer between -2147483648 and 2147483647',
        ],
        [
          container('livenessProbe: {tcpSocket: {port: true}}'),
          'containers[0].livenessProbe.tcpSocket.port: must be an integer or a string',
        ],
        [
          volume('configMap: {name: c, defaultMode: "0644"}'),
          'volumes[0].configMap.defaultMode: must be an integer',
        ],
        [volume('emptyDir: {sizeLimit: lots}'), `volumes[0].emptyDir.sizeLimit: ${QUANTITY}`],
        [
          'hostAliases: [{ip: 10.0.0.1, hostnames: some.host}]',
          'hostAliases[0].hostnames: must be a list',
        ],
        ['imagePullSecrets: [{name: 3}]', 'imagePullSecrets[0].name: must be a string'],
        [
          'env: [{name: A, valueFrom: {fieldRef: {}}}]',
          'env[0].valueFrom.fieldRef.fieldPath: required',
        ],
        [
          'env: [{name: A, valueFrom: {secretKeyRef: {name: s}}}]',
          'env[0].valueFrom.secretKeyRef.key: required',
        ],
        [
          volume(
            'ephemeral: {volumeClaimTemplate: {metadata: {creationTimestamp: soon}, spec: {}}}',
          ),
          'volumes[0].ephemeral.volumeClaimTemplate.metadata.creationTimestamp: must be a valid date-time',
        ],
      ],
    ],
    [
      'enums',
      [
        [
          container('imagePullPolicy: Sometimes'),
          'containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never',
        ],
        [
          container('imagePullPolicy: always'),
          'containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never',
        ],
        [
          container('ports: [{containerPort: 80, protocol: HTTP}]'),
          'containers[0].ports[0].protocol: must be one of SCTP, TCP, UDP',
        ],
        [
          container('terminationMessagePolicy: Always'),
          'containers[0].terminationMessagePolicy: must be one of FallbackToLogsOnError, File',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, mountPropagation: Sideways}]',
          'volumeMounts[0].mountPropagation: must be one of Bidirectional, HostToContainer, None',
        ],
        [
          container('readinessProbe: {httpGet: {port: 80, scheme: FTP}}'),
          'containers[0].readinessProbe.httpGet.scheme: must be one of HTTP, HTTPS',
        ],
        [
          container('securityContext: {seccompProfile: {type: Strict}}'),
          'containers[0].securityContext.seccompProfile.type: must be one of Localhost, RuntimeDefault, Unconfined',
        ],
        [
          container('securityContext: {procMount: Weird}'),
          'containers[0].securityContext.procMount: must be one of Default, Unmasked',
        ],
      ],
    ],
    [
      'one-of groups',
      [
        [
          volume('emptyDir: {}, configMap: {name: c}'),
          'volumes[0]: must set only one volume source, not configMap and emptyDir',
        ],
        [
          volume('secret: {secretName: s}, hostPath: {path: /}, nfs: {server: nfs.local, path: /}'),
          'volumes[0]: must set only one volume source, not hostPath and nfs and secret',
        ],
        [
          'volumes: [{name: v}]',
          'volumes[0]: must set one volume source, such as emptyDir, configMap, secret, projected, persistentVolumeClaim',
        ],
        [
          container('readinessProbe: {httpGet: {port: 80}, exec: {command: [x]}}'),
          'containers[0].readinessProbe: must set only one handler, not exec and httpGet',
        ],
        [
          container('livenessProbe: {periodSeconds: 5}'),
          'containers[0].livenessProbe: must set one handler: exec, grpc, httpGet, tcpSocket',
        ],
        [
          container('lifecycle: {postStart: {exec: {command: [x]}, sleep: {seconds: 1}}}'),
          'containers[0].lifecycle.postStart: must set only one handler, not exec and sleep',
        ],
        [
          container('lifecycle: {preStop: {}}'),
          'containers[0].lifecycle.preStop: must set one handler: exec, httpGet, sleep, tcpSocket',
        ],
        [
          'env: [{name: A, valueFrom: {fieldRef: {fieldPath: a}, secretKeyRef: {name: s, key: k}}}]',
          'env[0].valueFrom: must set only one source, not fieldRef and secretKeyRef',
        ],
        [
          'env: [{name: A, valueFrom: {}}]',
          'env[0].valueFrom: must set one source: configMapKeyRef, fieldRef, fileKeyRef, resourceFieldRef, secretKeyRef',
        ],
        [
          'env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: a}}}]',
          'env[0].valueFrom: cannot be set together with a non-empty value',
        ],
        [
          container('envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]'),
          'containers[0].envFrom[0]: must set only one source, not configMapRef and secretRef',
        ],
        [
          container('envFrom: [{prefix: X_}]'),
          'containers[0].envFrom[0]: must set one source: configMapRef, secretRef',
        ],
      ],
    ],
    [
      'names and ports',
      [
        [
          container('ports: [{containerPort: 80, name: a-very-long-name-x}]'),
          `containers[0].ports[0].name: "a-very-long-name-x" ${PORT_NAME}`,
        ],
        [
          container('ports: [{containerPort: 80, name: Http}]'),
          `containers[0].ports[0].name: "Http" ${PORT_NAME}`,
        ],
        [
          container('ports: [{containerPort: 80, name: "8080"}]'),
          `containers[0].ports[0].name: "8080" ${PORT_NAME}`,
        ],
        [
          container('ports: [{containerPort: 80, name: a--b}]'),
          `containers[0].ports[0].name: "a--b" ${PORT_NAME}`,
        ],
        [
          container('ports: [{containerPort: 80, name: web}, {containerPort: 81, name: web}]'),
          'containers[0].ports[1].name: duplicate port name "web"',
        ],
        [container('ports: [{containerPort: 0}]'), `containers[0].ports[0].containerPort: ${PORT}`],
        [
          container('ports: [{containerPort: 70000}]'),
          `containers[0].ports[0].containerPort: ${PORT}`,
        ],
        [
          container('readinessProbe: {httpGet: {port: 0}}'),
          `containers[0].readinessProbe.httpGet.port: ${PORT}`,
        ],
        [
          container('readinessProbe: {tcpSocket: {port: Bad_Name}}'),
          'containers[0].readinessProbe.tcpSocket.port: "Bad_Name" must be a port number or a port name',
        ],
        [
          container('startupProbe: {grpc: {port: 99999}}'),
          `containers[0].startupProbe.grpc.port: ${PORT}`,
        ],
        [
          container('lifecycle: {preStop: {httpGet: {port: 65536}}}'),
          `containers[0].lifecycle.preStop.httpGet.port: ${PORT}`,
        ],
        [
          'volumes: [{name: Data_1, emptyDir: {}}]',
          'volumes[0].name: "Data_1" must be a DNS label',
        ],
        [
          'env: [{name: "A=B", value: x}]',
          'env[0].name: must be printable ASCII characters other than "="',
        ],
      ],
    ],
    [
      'paths and mounts',
      [
        [
          container('volumeMounts: [{name: v, mountPath: /v, subPath: ../../etc}]'),
          'containers[0].volumeMounts[0].subPath: must not contain ".."',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, subPath: /etc}]',
          'volumeMounts[0].subPath: must be a relative path',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, subPathExpr: "$(POD)/../x"}]',
          'volumeMounts[0].subPathExpr: must not contain ".."',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, subPath: a, subPathExpr: b}]',
          'volumeMounts[0].subPathExpr: cannot be set together with subPath',
        ],
        [
          container('volumeMounts: [{name: v, mountPath: /v, mountPropagation: Bidirectional}]'),
          'containers[0].volumeMounts[0].mountPropagation: Bidirectional needs a privileged container',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, mountPropagation: Bidirectional}]',
          'volumeMounts[0].mountPropagation: Bidirectional needs a privileged container',
        ],
        [
          'volumeMounts: [{name: v, mountPath: /v, recursiveReadOnly: Enabled}]',
          'volumeMounts[0].recursiveReadOnly: Enabled needs readOnly: true',
        ],
        [
          volume('configMap: {name: c, defaultMode: 512}'),
          'volumes[0].configMap.defaultMode: must be a file mode between 0 and 0777 (octal; 511 in decimal)',
        ],
        [
          volume('secret: {secretName: s, items: [{key: k, path: p, mode: -1}]}'),
          'volumes[0].secret.items[0].mode: must be a file mode between 0 and 0777 (octal; 511 in decimal)',
        ],
      ],
    ],
    [
      'resources',
      [
        [
          container('resources: {requests: {cpu: lots}}'),
          `containers[0].resources.requests.cpu: ${QUANTITY}`,
        ],
        [
          container('resources: {limits: {memory: 1d}}'),
          `containers[0].resources.limits.memory: ${QUANTITY}`,
        ],
        [
          container('resources: {limits: {memory: 64MB}}'),
          `containers[0].resources.limits.memory: ${QUANTITY}`,
        ],
        [
          container('resources: {limits: {cpu: -1}}'),
          'containers[0].resources.limits.cpu: must not be negative',
        ],
        [
          container('resources: {requests: {cpu: 2}, limits: {cpu: 1500m}}'),
          'containers[0].resources.requests.cpu: 2 is more than the limit 1500m',
        ],
        [
          container('resources: {requests: {memory: 1Gi}, limits: {memory: 1000Mi}}'),
          'containers[0].resources.requests.memory: 1Gi is more than the limit 1000Mi',
        ],
        [
          container('resources: {requests: {memory: 1000000001}, limits: {memory: "1e9"}}'),
          'containers[0].resources.requests.memory: 1000000001 is more than the limit 1e9',
        ],
        [
          container('resources: {requests: {cpu: 100.0001m}, limits: {cpu: 0.1}}'),
          'containers[0].resources.requests.cpu: 100.0001m is more than the limit 0.1',
        ],
      ],
    ],
    [
      'init containers and probes',
      [
        [
          init('restartPolicy: Never'),
          'initContainers[0].restartPolicy: an init container may only set Always (a native sidecar)',
        ],
        [
          container('restartPolicy: Always'),
          'containers[0].restartPolicy: only init containers may set it (Always, for a native sidecar)',
        ],
        [
          init('readinessProbe: {exec: {command: [x]}}'),
          'initContainers[0].readinessProbe: an init container may set it only with restartPolicy: Always',
        ],
        [
          init('lifecycle: {preStop: {sleep: {seconds: 1}}}'),
          'initContainers[0].lifecycle: an init container may set it only with restartPolicy: Always',
        ],
        [
          container('livenessProbe: {exec: {command: [x]}, successThreshold: 2}'),
          'containers[0].livenessProbe.successThreshold: must be 1 for a liveness or startup probe',
        ],
        [
          container('readinessProbe: {exec: {command: [x]}, periodSeconds: -1}'),
          'containers[0].readinessProbe.periodSeconds: must not be negative',
        ],
      ],
    ],
    [
      'host aliases',
      [
        ['hostAliases: [{ip: nope}]', 'hostAliases[0].ip: "nope" must be an IPv4 or IPv6 address'],
        [
          'hostAliases: [{ip: 10.0.0.256}]',
          'hostAliases[0].ip: "10.0.0.256" must be an IPv4 or IPv6 address',
        ],
        [
          'hostAliases: [{ip: "1::2::3"}]',
          'hostAliases[0].ip: "1::2::3" must be an IPv4 or IPv6 address',
        ],
        [
          'hostAliases: [{ip: 10.0.0.1, hostnames: [Bad_Host]}]',
          'hostAliases[0].hostnames[0]: "Bad_Host" must be a DNS name (a-z, 0-9, "-", ".")',
        ],
        ['hostAliases: [{hostnames: [a]}]', 'hostAliases[0].ip: required'],
      ],
    ],
  ])('%s', (_, cases) => {
    it.each(cases)('%s', (text, message) => {
      expect(problems(text)).toEqual([message])
    })
  })

  it.each([
    container('imagePullPolicy: null, ports: [{containerPort: 8080, name: http, protocol: TCP}]'),
    container(
      'resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 1, memory: 1073741824}}',
    ),
    container(
      'resources: {requests: {cpu: 0.5}, limits: {cpu: 500m, memory: 1.5Gi, ephemeral-storage: 2e9}}',
    ),
    container('readinessProbe: {httpGet: {port: http, path: /ready}, successThreshold: 3}'),
    container(
      'livenessProbe: {tcpSocket: {port: 8080}}, lifecycle: {preStop: {sleep: {seconds: 5}}}',
    ),
    container(
      'securityContext: {privileged: true}, volumeMounts: [{name: v, mountPath: /v, mountPropagation: Bidirectional}]',
    ),
    init('restartPolicy: Always, startupProbe: {exec: {command: [x]}}'),
    'volumeMounts: [{name: v, mountPath: /v, subPath: conf/app.yaml, readOnly: true, recursiveReadOnly: IfPossible}]',
    volume('configMap: {name: c, defaultMode: 0644, items: [{key: k, path: p, mode: 0400}]}'),
    volume(
      'ephemeral: {volumeClaimTemplate: {metadata: {creationTimestamp: "2024-01-01T00:00:00Z"}, spec: {}}}',
    ),
    'env: [{name: A, value: "", valueFrom: {fieldRef: {fieldPath: metadata.name}}}, {name: my.var-1, value: x}]',
    'hostAliases: [{ip: "::1", hostnames: [localhost.local]}, {ip: 10.0.0.1}, {ip: 10.0.0.2, hostnames: []}, {ip: 10.0.0.3, hostnames: null}]',
  ])('accepts %s', (text) => {
    expect(problems(text)).toEqual([])
  })

  it("accepts tumblr's host-aliases fixture: aliases without hostnames, empty or null", () => {
    // Shaped like tumblr's test/fixtures/sidecars/host-aliases.yaml.
    const result = parseSidecarConfig(`
name: host-aliases
hostAliases:
  - ip: 1.2.3.4
    hostnames: [one.example.com, two.example.com]
  - ip: 4.3.2.1
  - ip: 4.3.2.1
    hostnames:
env: [{name: DATACENTER, value: foo}]
containers:
  - name: sidecar
    image: nginx:1.12.2
    ports: [{containerPort: 80}]
`)
    expect(result.ok).toBe(true)
    expect(result.ok && result.config.hostAliases).toEqual([
      { ip: '1.2.3.4', hostnames: ['one.example.com', 'two.example.com'] },
      { ip: '4.3.2.1' },
      { ip: '4.3.2.1', hostnames: null },
    ])
  })

  it('reports every problem of a container, one per field', () => {
    expect(
      problems(
        container('ports: [{containerPort: "80", name: X}], imagePullPolicy: Maybe, stdin: 1'),
      ),
    ).toEqual([
      `containers[0].ports[0].name: "X" ${PORT_NAME}`,
      'containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never',
      'containers[0].ports[0].containerPort: must be an integer',
      'containers[0].stdin: must be true or false',
    ])
  })
})
