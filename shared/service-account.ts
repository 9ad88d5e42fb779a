import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import type { PatchOp } from './types.ts'

/** Where the ServiceAccount admission plugin mounts the token; replaced when the account changes. */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount'

/**
 * Sets the service account when the pod runs as none or `default`, and removes the token mounts
 * the admission plugin made for the old one. Returns each container's mounts after removal.
 */
export function patchServiceAccount(
  ops: PatchOp[],
  spec: JsonObject,
  account: string | undefined,
): Map<JsonObject, JsonValue[]> {
  const remaining = new Map<JsonObject, JsonValue[]>()
  const current = ownMember(spec, 'serviceAccountName') ?? ownMember(spec, 'serviceAccount')
  const replaceable =
    current === undefined || current === null || current === '' || current === 'default'
  if (account === undefined || !replaceable || current === account) return remaining
  ops.push({ op: 'add', path: '/spec/serviceAccountName', value: account })
  for (const field of ['containers', 'initContainers']) {
    const list = ownMember(spec, field)
    if (!Array.isArray(list)) continue
    list.forEach((container, i) => {
      if (!isJsonObject(container)) return
      const mounts = ownMember(container, 'volumeMounts')
      if (!Array.isArray(mounts)) return
      const kept = mounts.filter((mount) => !isTokenMount(mount))
      if (kept.length === mounts.length) return
      remaining.set(container, kept)
      // Highest index first: each removal leaves the lower indices where they were.
      for (let m = mounts.length - 1; m >= 0; m--) {
        if (isTokenMount(mounts[m])) {
          ops.push({ op: 'remove', path: `/spec/${field}/${i}/volumeMounts/${m}` })
        }
      }
    })
  }
  return remaining
}

function isTokenMount(mount: JsonValue | undefined): boolean {
  if (!isJsonObject(mount) || typeof mount.mountPath !== 'string') return false
  return mount.mountPath.replace(/\/+$/, '') === SERVICE_ACCOUNT_MOUNT_PATH
}
