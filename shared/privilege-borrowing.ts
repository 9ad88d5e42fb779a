import { describeElevation } from './host-access.ts'
import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { SidecarConfig } from './types.ts'

/**
 * Where injecting `configs` into a pod (its `spec`) would let a config borrow privilege it may not
 * ask for itself: its `env` or `volumeMounts` added to a container that is privileged or holds
 * capabilities beyond Pod Security baseline (`LD_PRELOAD` in a privileged container is code
 * running privileged), or one of its containers mounting a pod volume that is a hostPath. One
 * sentence per config; empty when there is nothing to refuse.
 */
export function findBorrowing(spec: JsonObject, configs: readonly SidecarConfig[]): string[] {
  const elevated: string[] = []
  for (const field of ['containers', 'initContainers']) {
    for (const container of objectsOf(ownMember(spec, field))) {
      const why = describeElevation(container)
      if (why !== undefined) elevated.push(`"${String(container.name)}" (${why})`)
    }
  }
  const hostPaths = new Set<JsonValue | undefined>()
  for (const volume of objectsOf(ownMember(spec, 'volumes'))) {
    const hostPath = ownMember(volume, 'hostPath')
    if (hostPath !== undefined && hostPath !== null) hostPaths.add(ownMember(volume, 'name'))
  }
  const found: string[] = []
  for (const config of configs) {
    const ref = formatSidecarRef(config)
    const lent = [
      ...(config.env.length > 0 ? ['env'] : []),
      ...(config.volumeMounts.length > 0 ? ['volumeMounts'] : []),
    ]
    if (lent.length > 0 && elevated.length > 0) {
      found.push(
        `config "${ref}" would add ${lent.join(' and ')} to container ${elevated.join(', ')}`,
      )
    }
    const mounts = [
      ...config.volumeMounts,
      ...[...config.containers, ...config.initContainers].flatMap((c) =>
        objectsOf(ownMember(c, 'volumeMounts')),
      ),
    ]
    const borrowed = new Set(
      mounts.map((m) => ownMember(m, 'name')).filter((name) => hostPaths.has(name)),
    )
    if (borrowed.size > 0) {
      const names = [...borrowed].map((name) => `"${String(name)}"`).join(', ')
      found.push(`config "${ref}" would mount the pod's hostPath volume ${names}`)
    }
  }
  return found
}

function objectsOf(list: JsonValue | undefined): JsonObject[] {
  return Array.isArray(list) ? list.filter(isJsonObject) : []
}
