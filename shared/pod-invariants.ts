import { isJsonObject, type JsonValue, ownMember } from './json.ts'
import { CONTAINER_LISTS, type PodShape } from './pod-shape.ts'

/**
 * What the API server checks across a pod's lists and a patch can break: container names unique
 * across all containers, volume names unique, every volumeMount naming a pod volume, and one
 * mount per mountPath in each container. One sentence per problem, naming containers and volumes
 * (never list positions, which a patch shifts); empty when there is none.
 */
export function checkPodInvariants(shape: PodShape): string[] {
  const problems: string[] = []
  const volumes = new Set<JsonValue | undefined>()
  for (const name of shape.volumes ?? []) {
    if (volumes.has(name)) problems.push(`volume "${String(name)}" is defined twice`)
    volumes.add(name)
  }
  const names = new Set<JsonValue | undefined>()
  for (const field of CONTAINER_LISTS) {
    for (const container of shape.lists[field] ?? []) {
      const at = (): string => `container "${String(container.name)}"`
      if (names.has(container.name)) problems.push(`${at()} is defined twice`)
      names.add(container.name)
      const { mounts } = container
      for (let i = 0; i < mounts.length; i++) {
        const mount = mounts[i] ?? null
        const volume = isJsonObject(mount) ? ownMember(mount, 'name') : undefined
        if (!volumes.has(volume))
          problems.push(`${at()} mounts "${String(volume)}", not a pod volume`)
        const path = mountPathOf(mount)
        // A container has a few mounts: scanning the earlier ones beats building a set.
        for (let k = 0; k < i; k++) {
          if (mountPathOf(mounts[k] ?? null) === path) {
            problems.push(`${at()} mounts twice at "${String(path)}"`)
            break
          }
        }
      }
    }
  }
  return problems
}

function mountPathOf(mount: JsonValue): JsonValue | undefined {
  return isJsonObject(mount) ? ownMember(mount, 'mountPath') : undefined
}
