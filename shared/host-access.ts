import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import type { HostAccessFinding, HostAccessKind, SidecarConfig } from './types.ts'

// Pod Security Standards, baseline profile: what a config may not ask for unless the Worker allows
// host access. https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
// A config cannot carry hostIPC, sysctls or a pod-level securityContext, so those need no check.

/** Capabilities baseline lets a container add (Docker's default set, minus NET_RAW). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
])

/** SELinux types baseline allows ("" is unset). */
const BASELINE_SELINUX_TYPES: ReadonlySet<string> = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
])

const PROFILE_TYPES = new Set(['RuntimeDefault', 'Localhost'])
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/'
// Read by clusters before 1.27, which copied them into seccompProfile.
const SECCOMP_ANNOTATIONS = [
  'seccomp.security.alpha.kubernetes.io/pod',
  'container.seccomp.security.alpha.kubernetes.io/',
]

// Configs are immutable: a resolved config asked about at every admission is scanned once.
const scanned = new WeakMap<SidecarConfig, readonly HostAccessFinding[]>()

/** Every place a config asks for more than Pod Security baseline allows, so a caller can refuse it. */
export function findHostAccess(config: SidecarConfig): readonly HostAccessFinding[] {
  const known = scanned.get(config)
  if (known !== undefined) return known
  const findings = scanHostAccess(config)
  scanned.set(config, findings)
  return findings
}

function scanHostAccess(config: SidecarConfig): HostAccessFinding[] {
  const findings: HostAccessFinding[] = []
  const add = (kind: HostAccessKind, path: string, detail: string): void => {
    findings.push({ kind, path, detail })
  }
  for (const field of ['containers', 'initContainers'] as const) {
    config[field].forEach((container, i) => {
      scanContainer(container, `${field}[${i}]`, add)
    })
  }
  if (config.hostNetwork === true)
    add('hostNetwork', 'hostNetwork', 'the node network (hostNetwork)')
  if (config.hostPID === true) add('hostPID', 'hostPID', "the node's processes (hostPID)")
  config.volumes.forEach((volume, i) => {
    const hostPath = ownMember(volume, 'hostPath')
    if (hostPath !== undefined && hostPath !== null) {
      add('hostPath', `volumes[${i}].hostPath`, `hostPath volume "${String(volume.name)}"`)
    }
  })
  for (const [key, value] of Object.entries(config.annotations)) {
    const path = `annotations.${key}`
    if (key.startsWith(APPARMOR_ANNOTATION)) {
      if (value !== 'runtime/default' && !value.startsWith('localhost/')) {
        add('appArmor', path, `AppArmor profile "${value}"`)
      }
    } else if (SECCOMP_ANNOTATIONS.some((prefix) => key === prefix || key.startsWith(prefix))) {
      if (value === 'unconfined') add('seccomp', path, 'seccomp profile "unconfined"')
    }
  }
  return findings
}

type Add = (kind: HostAccessKind, path: string, detail: string) => void

function scanContainer(container: JsonObject, at: string, add: Add): void {
  const ports = ownMember(container, 'ports')
  if (Array.isArray(ports)) {
    ports.forEach((port, i) => {
      const hostPort = isJsonObject(port) ? ownMember(port, 'hostPort') : undefined
      if (typeof hostPort === 'number' && hostPort !== 0) {
        add('hostPort', `${at}.ports[${i}].hostPort`, `hostPort ${hostPort}`)
      }
    })
  }
  const security = objectAt(container, 'securityContext')
  if (security === undefined) return
  const path = `${at}.securityContext`
  if (ownMember(security, 'privileged') === true) {
    add('privileged', `${path}.privileged`, 'a privileged container')
  }
  extraCapabilities(security).forEach(({ name, index }) => {
    add('capabilities', `${path}.capabilities.add[${index}]`, `capability ${name}`)
  })
  const seLinux = objectAt(security, 'seLinuxOptions')
  if (seLinux !== undefined) {
    const type = ownMember(seLinux, 'type')
    if (typeof type === 'string' && !BASELINE_SELINUX_TYPES.has(type)) {
      add('seLinux', `${path}.seLinuxOptions.type`, `SELinux type ${type}`)
    }
    for (const field of ['user', 'role']) {
      const value = ownMember(seLinux, field)
      if (typeof value === 'string' && value !== '') {
        add('seLinux', `${path}.seLinuxOptions.${field}`, `SELinux ${field} ${value}`)
      }
    }
  }
  for (const [field, kind, name] of [
    ['seccompProfile', 'seccomp', 'seccomp'],
    ['appArmorProfile', 'appArmor', 'AppArmor'],
  ] as const) {
    const type = ownMember(objectAt(security, field) ?? {}, 'type')
    if (typeof type === 'string' && !PROFILE_TYPES.has(type)) {
      add(kind, `${path}.${field}.type`, `${name} profile ${type}`)
    }
  }
  const procMount = ownMember(security, 'procMount')
  if (typeof procMount === 'string' && procMount !== 'Default') {
    add('procMount', `${path}.procMount`, `procMount ${procMount}`)
  }
  if (ownMember(objectAt(security, 'windowsOptions') ?? {}, 'hostProcess') === true) {
    add('hostProcess', `${path}.windowsOptions.hostProcess`, 'a Windows hostProcess container')
  }
}

/**
 * Why a pod's container holds more than baseline, in the ways that env or a mount could borrow:
 * privileged, a capability beyond baseline's list, or a Windows hostProcess container.
 */
export function describeElevation(container: JsonObject): string | undefined {
  const security = objectAt(container, 'securityContext')
  if (security === undefined) return undefined
  if (ownMember(security, 'privileged') === true) return 'privileged'
  const [extra] = extraCapabilities(security)
  if (extra !== undefined) return `holds capability ${extra.name}`
  if (ownMember(objectAt(security, 'windowsOptions') ?? {}, 'hostProcess') === true) {
    return 'a Windows hostProcess container'
  }
  return undefined
}

function extraCapabilities(security: JsonObject): { name: string; index: number }[] {
  const add = ownMember(objectAt(security, 'capabilities') ?? {}, 'add')
  if (!Array.isArray(add)) return []
  return add.flatMap((name: JsonValue, index) =>
    typeof name === 'string' && !BASELINE_CAPABILITIES.has(name) ? [{ name, index }] : [],
  )
}

function objectAt(object: JsonObject, key: string): JsonObject | undefined {
  const value = ownMember(object, key)
  return isJsonObject(value) ? value : undefined
}
