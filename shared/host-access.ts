import { isJsonObject, type JsonObject } from './json.ts'
import type { HostAccessFinding, SidecarConfig } from './types.ts'

/** Every place a config grants its pod access to the node, so a caller can refuse it. */
export function findHostAccess(config: SidecarConfig): HostAccessFinding[] {
  const findings: HostAccessFinding[] = []
  const scan = (list: readonly JsonObject[], field: string): void => {
    list.forEach((container, i) => {
      const security = container.securityContext
      if (!isJsonObject(security)) return
      const path = `${field}[${i}].securityContext`
      if (security.privileged === true) {
        findings.push({ kind: 'privileged', path: `${path}.privileged` })
      }
      const capabilities = security.capabilities
      if (isJsonObject(capabilities) && Array.isArray(capabilities.add)) {
        if (capabilities.add.length > 0) {
          findings.push({ kind: 'capabilities', path: `${path}.capabilities.add` })
        }
      }
    })
  }
  scan(config.containers, 'containers')
  scan(config.initContainers, 'initContainers')
  if (config.hostNetwork === true) findings.push({ kind: 'hostNetwork', path: 'hostNetwork' })
  if (config.hostPID === true) findings.push({ kind: 'hostPID', path: 'hostPID' })
  config.volumes.forEach((volume, i) => {
    if (volume.hostPath !== undefined) {
      findings.push({ kind: 'hostPath', path: `volumes[${i}].hostPath` })
    }
  })
  return findings
}
