import type { IssueSink } from './config-check.ts'
import { type ContainerRole, checkContainerRules } from './container-rules.ts'
import type { JsonObject } from './json.ts'
import { checkSchema, type SchemaKind } from './kubernetes-schema.ts'
import {
  checkEnvRules,
  checkHostAliasRules,
  checkMountRules,
  checkVolumeRules,
} from './volume-rules.ts'

/** The Kubernetes objects a config carries, by list (a `SidecarConfig` is one). */
export interface KubernetesLists {
  readonly containers: readonly JsonObject[]
  readonly initContainers: readonly JsonObject[]
  readonly volumes: readonly JsonObject[]
  readonly volumeMounts: readonly JsonObject[]
  readonly env: readonly JsonObject[]
  readonly hostAliases: readonly JsonObject[]
  readonly imagePullSecrets: readonly JsonObject[]
}

/**
 * Checks every Kubernetes object of a config against the core/v1 schema and the validation rules
 * the schema cannot express, as the API server would check them in a pod. The rules come first:
 * their messages are the more specific ones at a path both report.
 */
export function checkKubernetesFields(lists: KubernetesLists, report: IssueSink): void {
  const each = (
    field: keyof KubernetesLists,
    kind: SchemaKind,
    rules: (entry: JsonObject, at: string) => void,
  ): void => {
    lists[field].forEach((entry, i) => {
      const at = `${field}[${i}]`
      rules(entry, at)
      checkSchema(kind, entry, at, report)
    })
  }
  const container = (role: ContainerRole) => (entry: JsonObject, at: string) => {
    checkContainerRules(entry, at, role, report)
  }
  each('containers', 'Container', container('container'))
  each('initContainers', 'Container', container('init'))
  each('volumes', 'Volume', (entry, at) => {
    checkVolumeRules(entry, at, report)
  })
  // Config-level mounts go into the app's containers too, which are not privileged.
  each('volumeMounts', 'VolumeMount', (entry, at) => {
    checkMountRules(entry, at, false, report)
  })
  each('env', 'EnvVar', (entry, at) => {
    checkEnvRules(entry, at, report)
  })
  each('hostAliases', 'HostAlias', (entry, at) => {
    checkHostAliasRules(entry, at, report)
  })
  each('imagePullSecrets', 'LocalObjectReference', () => {})
}
