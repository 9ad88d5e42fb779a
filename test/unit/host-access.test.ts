import { describe, expect, it } from 'vitest'
import { checkConfigSet } from '../../shared/config-set.ts'
import { BASELINE_CAPABILITIES, findHostAccess } from '../../shared/host-access.ts'
import { config } from './engine-support.ts'

const security = (fields: string): string =>
  `containers: [{name: c, image: i, securityContext: {${fields}}}]`
const REFUSED =
  'is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true'

/** The verdict of a one-config set, as `path: message` lines (empty when accepted). */
function refusals(text: string, allowHostAccess = false): string[] {
  const [checked] = checkConfigSet(
    [{ text: `name: t\n${text}`, source: { kind: 'File', path: 't.yaml' } }],
    {
      allowHostAccess,
    },
  )
  const verdict = checked?.verdict
  if (verdict === undefined || verdict.ok) return []
  return verdict.issues.map((issue) => `${issue.path}: ${issue.message}`)
}

describe('host access is Pod Security baseline', () => {
  it.each([
    [
      security('privileged: true'),
      'privileged',
      'containers[0].securityContext.privileged',
      'a privileged container',
    ],
    [
      security('capabilities: {add: [SYS_ADMIN]}'),
      'capabilities',
      'containers[0].securityContext.capabilities.add[0]',
      'capability SYS_ADMIN',
    ],
    [
      security('capabilities: {add: [CHOWN, NET_RAW]}'),
      'capabilities',
      'containers[0].securityContext.capabilities.add[1]',
      'capability NET_RAW',
    ],
    [
      security('capabilities: {add: [CAP_CHOWN]}'),
      'capabilities',
      'containers[0].securityContext.capabilities.add[0]',
      'capability CAP_CHOWN',
    ],
    [
      'initContainers: [{name: c, image: i, securityContext: {capabilities: {add: [ALL]}}}]',
      'capabilities',
      'initContainers[0].securityContext.capabilities.add[0]',
      'capability ALL',
    ],
    ['hostNetwork: true', 'hostNetwork', 'hostNetwork', 'the node network (hostNetwork)'],
    ['hostPID: true', 'hostPID', 'hostPID', "the node's processes (hostPID)"],
    [
      'volumes: [{name: root, hostPath: {path: /}}]',
      'hostPath',
      'volumes[0].hostPath',
      'hostPath volume "root"',
    ],
    [
      'containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 80}]}]',
      'hostPort',
      'containers[0].ports[0].hostPort',
      'hostPort 80',
    ],
    [
      security('seLinuxOptions: {type: spc_t}'),
      'seLinux',
      'containers[0].securityContext.seLinuxOptions.type',
      'SELinux type spc_t',
    ],
    [
      security('seLinuxOptions: {user: system_u}'),
      'seLinux',
      'containers[0].securityContext.seLinuxOptions.user',
      'SELinux user system_u',
    ],
    [
      security('seLinuxOptions: {role: sysadm_r}'),
      'seLinux',
      'containers[0].securityContext.seLinuxOptions.role',
      'SELinux role sysadm_r',
    ],
    [
      security('seccompProfile: {type: Unconfined}'),
      'seccomp',
      'containers[0].securityContext.seccompProfile.type',
      'seccomp profile Unconfined',
    ],
    [
      security('appArmorProfile: {type: Unconfined}'),
      'appArmor',
      'containers[0].securityContext.appArmorProfile.type',
      'AppArmor profile Unconfined',
    ],
    [
      'annotations: {container.apparmor.security.beta.kubernetes.io/c: unconfined}',
      'appArmor',
      'annotations.container.apparmor.security.beta.kubernetes.io/c',
      'AppArmor profile "unconfined"',
    ],
    [
      'annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}',
      'seccomp',
      'annotations.seccomp.security.alpha.kubernetes.io/pod',
      'seccomp profile "unconfined"',
    ],
    [
      'annotations: {container.seccomp.security.alpha.kubernetes.io/c: unconfined}',
      'seccomp',
      'annotations.container.seccomp.security.alpha.kubernetes.io/c',
      'seccomp profile "unconfined"',
    ],
    [
      security('procMount: Unmasked'),
      'procMount',
      'containers[0].securityContext.procMount',
      'procMount Unmasked',
    ],
    [
      security('windowsOptions: {hostProcess: true}'),
      'hostProcess',
      'containers[0].securityContext.windowsOptions.hostProcess',
      'a Windows hostProcess container',
    ],
  ])('%s is refused', (text, kind, path, detail) => {
    expect(findHostAccess(config(`name: t\n${text}`))).toEqual([{ kind, path, detail }])
    expect(refusals(text)).toEqual([`${path}: ${detail} ${REFUSED}`])
    expect(refusals(text, true)).toEqual([])
  })

  it.each([
    security('capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}'),
    security(`capabilities: {add: [${[...BASELINE_CAPABILITIES].join(', ')}]}`),
    security('privileged: false, allowPrivilegeEscalation: true, runAsUser: 0'),
    security('seLinuxOptions: {type: container_t, level: "s0:c123,c456"}'),
    security('seLinuxOptions: {type: container_init_t}'),
    security('seLinuxOptions: {type: container_kvm_t}'),
    security('seLinuxOptions: {type: container_engine_t}'),
    security('seccompProfile: {type: RuntimeDefault}'),
    security('seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}'),
    security('appArmorProfile: {type: Localhost, localhostProfile: k8s-nginx}'),
    security('procMount: Default'),
    security('windowsOptions: {hostProcess: false}'),
    'containers: [{name: c, image: i, ports: [{containerPort: 80, hostPort: 0}]}]',
    'annotations: {container.apparmor.security.beta.kubernetes.io/c: runtime/default}',
    'annotations: {container.apparmor.security.beta.kubernetes.io/c: localhost/k8s-nginx}',
    'annotations: {seccomp.security.alpha.kubernetes.io/pod: runtime/default}',
    'hostNetwork: false\nhostPID: false\nvolumes: [{name: v, emptyDir: {}}]',
  ])('%s is within baseline', (text) => {
    expect(findHostAccess(config(`name: t\n${text}`))).toEqual([])
    expect(refusals(text)).toEqual([])
  })

  it('lists every finding of a config, in order', () => {
    const found = findHostAccess(
      config(`name: t
containers: [{name: c, image: i, ports: [{containerPort: 1, hostPort: 1}], securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN, NET_ADMIN]}}}]
hostPID: true`),
    )
    expect(found.map((f) => f.path)).toEqual([
      'containers[0].ports[0].hostPort',
      'containers[0].securityContext.privileged',
      'containers[0].securityContext.capabilities.add[0]',
      'containers[0].securityContext.capabilities.add[1]',
      'hostPID',
    ])
  })
})
