/** A Kubernetes minor release, as a cluster reports it (`v1.29.3`, `v1.29.0-eks-123`, `1.30+`). */
export interface KubernetesVersion {
  readonly major: number
  readonly minor: number
}

// The release a version string starts with; what follows (patch, `-eks-…`, GKE's `+`) is vendor detail.
const VERSION = /^v?(\d{1,4})\.(\d{1,4})(?:\+|[.\-+].*)?$/

/** Longest version text stored or accepted; a real one is far shorter. */
export const MAX_KUBERNETES_VERSION_LENGTH = 64

/** Reads `major.minor` from a reported version, or undefined when it does not start with one. */
export function parseKubernetesVersion(text: string): KubernetesVersion | undefined {
  const match = VERSION.exec(text.trim())
  if (match === null) return undefined
  return { major: Number(match[1]), minor: Number(match[2]) }
}

/** Native sidecars (init containers with `restartPolicy: Always`) are on by default from 1.29. */
export const NATIVE_SIDECAR_VERSION: KubernetesVersion = { major: 1, minor: 29 }

/** Whether `version` is `at` or later. */
export function isAtLeast(version: KubernetesVersion, at: KubernetesVersion): boolean {
  return version.major > at.major || (version.major === at.major && version.minor >= at.minor)
}
