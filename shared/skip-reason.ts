import type { SkipReason } from './types.ts'

/**
 * Every reason a pod is admitted without a patch, with its meaning in one line. The one list:
 * docs/operations.md shows exactly these (a test compares them), logs and metrics label with the
 * keys, and the type makes a new reason fail to compile until it has a meaning here.
 */
export const SKIP_REASONS: Readonly<Record<SkipReason, string>> = {
  no_request: 'the pod has no request annotation, and its namespace gives no default',
  opted_out:
    'the pod has no request annotation and opts out of its namespace\'s default with `inject: "false"`',
  already_injected: 'the status annotation says `injected`',
  ignored_namespace: 'the namespace is in `INJECTOR_IGNORED_NAMESPACES`',
  not_create: 'the request is not a CREATE',
  not_pod: 'the object is not a v1 Pod',
  invalid_request:
    'the request annotation does not parse (`a:b:c`, bad characters, too many configs) or the review carries no pod',
  missing_config: "a requested config is in neither the cluster's scope nor `shared`",
  config_error:
    "a config could not be resolved (inheritance cycle or missing parent, host access not allowed), or would lend env or mounts to a privileged container or mount the pod's hostPath volume",
  conflict: 'the requested configs contradict each other',
  name_clash: "a config's container name is already used by the pod",
  nothing_to_inject: 'everything the configs add is already there',
  invalid_result:
    'the patched pod would fail Kubernetes validation (names, mounts, volumes, types), or the reply would exceed 1 MiB, so no patch is sent',
  lookup_failed: 'KV failed or was slower than `INJECTOR_ADMISSION_DEADLINE_MS`',
  internal_error: 'the Worker hit an unexpected error while deciding; its log has the details',
  misconfigured: "the Worker's own settings are invalid; its log names the variable",
}

/** The reasons that admit a pod unchanged because the injector could not decide, not by choice. */
export type FailOpenReason = Extract<
  SkipReason,
  'lookup_failed' | 'internal_error' | 'misconfigured'
>
