import type { JsonObject, JsonValue } from './json.ts'

/** A canonical sidecar reference: lowercase `name` and `version` (default `latest`). */
export interface SidecarRef {
  readonly name: string
  readonly version: string
}

/** One problem found in untrusted input, located by a path such as `containers[1].name`. */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/** A control of the Pod Security baseline profile that a config goes beyond. */
export type HostAccessKind =
  | 'privileged'
  | 'capabilities'
  | 'hostNetwork'
  | 'hostPID'
  | 'hostPath'
  | 'hostPort'
  | 'seLinux'
  | 'seccomp'
  | 'appArmor'
  | 'procMount'
  | 'hostProcess'

/** Where a config asks for more than Pod Security baseline allows, and what. */
export interface HostAccessFinding {
  readonly kind: HostAccessKind
  readonly path: string
  /** What is asked for, for people: `capability SYS_ADMIN`, `SELinux type spc_t`. */
  readonly detail: string
}

/**
 * A parsed, validated sidecar config. Kubernetes objects inside (containers, volumes, ...)
 * are kept verbatim as JSON, including fields newer than any typed model.
 */
export interface SidecarConfig {
  readonly name: string
  readonly version: string
  readonly inherits?: SidecarRef
  readonly containers: readonly JsonObject[]
  readonly initContainers: readonly JsonObject[]
  readonly volumes: readonly JsonObject[]
  readonly volumeMounts: readonly JsonObject[]
  readonly env: readonly JsonObject[]
  readonly hostAliases: readonly JsonObject[]
  readonly imagePullSecrets: readonly JsonObject[]
  readonly hostNetwork?: boolean
  readonly hostPID?: boolean
  readonly serviceAccountName?: string
  readonly annotations: Readonly<Record<string, string>>
  readonly labels: Readonly<Record<string, string>>
}

/** One RFC 6902 JSON Patch operation, as the admission response carries it. */
export type PatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: JsonValue }

/** Settings that shape which pods are injected and how. */
export interface InjectionSettings {
  /** Annotation prefix, default `injector.tumblr.com`: `<ns>/request`, `<ns>/status`. */
  readonly annotationNamespace: string
  /** Namespaces never injected, default `kube-system`, `kube-public`. */
  readonly ignoredNamespaces: readonly string[]
  /**
   * `false` refuses configs that go beyond Pod Security baseline (shared/host-access.ts) at
   * admission, inherited ones included, and keeps configs from lending env and mounts to
   * privileged containers or mounting the pod's hostPath volumes; unset leaves that to the caller.
   */
  readonly allowHostAccess?: boolean
}

/** Why a pod was admitted without a patch. Each value is also a metric and log label. */
export type SkipReason =
  | 'not_create'
  | 'not_pod'
  | 'ignored_namespace'
  | 'already_injected'
  | 'no_request'
  | 'opted_out'
  | 'invalid_request'
  | 'missing_config'
  | 'config_error'
  | 'conflict'
  | 'name_clash'
  | 'nothing_to_inject'
  | 'lookup_failed'
  | 'invalid_result'
  | 'internal_error'
  | 'misconfigured'

/** The outcome of deciding on one admission request. */
export type Decision =
  | {
      readonly kind: 'inject'
      /** Canonical `name:version` of every config applied, in order. */
      readonly configs: readonly string[]
      readonly patch: readonly PatchOp[]
      readonly warnings: readonly string[]
      /** How it was decided, for people: a namespace default, each sidecar's mode. */
      readonly notes?: readonly string[]
    }
  | {
      readonly kind: 'skip'
      readonly reason: SkipReason
      /** One human sentence, e.g. `config "logger:v1" not found`. */
      readonly detail: string
      readonly warnings: readonly string[]
      readonly notes?: readonly string[]
    }

/**
 * Looks a config up by canonical reference; `undefined` when unknown. Synchronous: callers fetch
 * first. A lookup over stored configs also tells each one's content hash (`hashOf`, by canonical
 * `name:version`), which the injected stamp records on the pod; a lookup without it stamps nothing.
 */
export type ConfigLookup = ((ref: SidecarRef) => SidecarConfig | undefined) & {
  readonly hashOf?: (ref: string) => string | undefined
}
