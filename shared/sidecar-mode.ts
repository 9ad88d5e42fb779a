import type { IssueSink } from './config-check.ts'
import { isAtLeast, NATIVE_SIDECAR_VERSION, parseKubernetesVersion } from './kubernetes-version.ts'
import type { SidecarConfig } from './types.ts'

/** The field of a config's container that marks it as a sidecar (this project's extension). */
export const SIDECAR_MODE_FIELD = 'sidecarMode'

/** `native`: an init container with `restartPolicy: Always`; `classic`: a container; `auto`: by cluster. */
export type SidecarMode = 'native' | 'classic' | 'auto'

const MODES: readonly string[] = ['native', 'classic', 'auto']

/**
 * Checks `sidecarMode` on the config's containers: one of the modes (an empty value means
 * `auto`), and only in `containers`, since an init container is native by `restartPolicy`.
 */
export function checkSidecarModes(config: SidecarConfig, report: IssueSink): void {
  config.containers.forEach((container, i) => {
    if (!Object.hasOwn(container, SIDECAR_MODE_FIELD)) return
    const mode = container[SIDECAR_MODE_FIELD]
    if (mode === null || mode === '') return
    if (typeof mode !== 'string' || !MODES.includes(mode)) {
      report(`containers[${i}].${SIDECAR_MODE_FIELD}`, 'must be one of native, classic, auto')
    }
  })
  config.initContainers.forEach((container, i) => {
    if (Object.hasOwn(container, SIDECAR_MODE_FIELD)) {
      report(
        `initContainers[${i}].${SIDECAR_MODE_FIELD}`,
        'only containers take a sidecar mode; an init container with restartPolicy: Always is a native sidecar',
      )
    }
  })
}

/** The mode a marked container asks for; `auto` when the value is empty. */
export function readSidecarMode(value: unknown): SidecarMode {
  return value === 'native' || value === 'classic' ? value : 'auto'
}

/** Whether a sidecar of `mode` is rendered native on a cluster of `version`, and why, for people. */
export function chooseSidecarMode(
  mode: SidecarMode,
  version: string | undefined,
): { native: boolean; why: string } {
  if (mode !== 'auto') return { native: mode === 'native', why: `sidecarMode: ${mode}` }
  const at = `${NATIVE_SIDECAR_VERSION.major}.${NATIVE_SIDECAR_VERSION.minor}`
  if (version === undefined) {
    return { native: false, why: "auto: the cluster's Kubernetes version is unknown" }
  }
  const parsed = parseKubernetesVersion(version)
  if (parsed === undefined) {
    return {
      native: false,
      why: `auto: Kubernetes version "${version}" does not read as major.minor`,
    }
  }
  return isAtLeast(parsed, NATIVE_SIDECAR_VERSION)
    ? { native: true, why: `auto: Kubernetes ${version} is ${at} or later` }
    : { native: false, why: `auto: Kubernetes ${version} is before ${at}` }
}
