import type { IEnvFromSource } from 'kubernetes-models/v1/EnvFromSource'
import type { IEnvVarSource } from 'kubernetes-models/v1/EnvVarSource'
import type { ILifecycleHandler } from 'kubernetes-models/v1/LifecycleHandler'
import type { IProbe } from 'kubernetes-models/v1/Probe'
import type { IVolume } from 'kubernetes-models/v1/Volume'
import type { IssueSink } from './config-check.ts'
import { isJsonObject, type JsonValue, ownMember } from './json.ts'

/**
 * `keys` must name every key of `T` but `others`, so that a field a newer core/v1 schema adds
 * fails to compile here until it is placed: the groups below follow the schema, not memory.
 */
function everyKeyOf<T>() {
  return <
    const O extends readonly (keyof T)[],
    const K extends readonly Exclude<keyof T, O[number]>[],
  >(
    _others: O,
    keys: K & ([Exclude<keyof T, O[number] | K[number]>] extends [never] ? unknown : never),
  ): readonly string[] => keys as readonly string[]
}

/** A Volume's sources: everything but its name. Kubernetes wants exactly one. */
export const VOLUME_SOURCES = everyKeyOf<IVolume>()(
  ['name'],
  [
    'awsElasticBlockStore',
    'azureDisk',
    'azureFile',
    'cephfs',
    'cinder',
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'fc',
    'flexVolume',
    'flocker',
    'gcePersistentDisk',
    'gitRepo',
    'glusterfs',
    'hostPath',
    'image',
    'iscsi',
    'nfs',
    'persistentVolumeClaim',
    'photonPersistentDisk',
    'portworxVolume',
    'projected',
    'quobyte',
    'rbd',
    'scaleIO',
    'secret',
    'storageos',
    'vsphereVolume',
  ],
)

/** The handlers of a probe; the rest of it are timings. */
export const PROBE_HANDLERS = everyKeyOf<IProbe>()(
  [
    'failureThreshold',
    'initialDelaySeconds',
    'periodSeconds',
    'successThreshold',
    'terminationGracePeriodSeconds',
    'timeoutSeconds',
  ],
  ['exec', 'grpc', 'httpGet', 'tcpSocket'],
)

/** The handlers of a postStart or preStop hook. */
export const LIFECYCLE_HANDLERS = everyKeyOf<ILifecycleHandler>()(
  [],
  ['exec', 'httpGet', 'sleep', 'tcpSocket'],
)

/** The sources of an env variable's `valueFrom`. */
export const ENV_SOURCES = everyKeyOf<IEnvVarSource>()(
  [],
  ['configMapKeyRef', 'fieldRef', 'fileKeyRef', 'resourceFieldRef', 'secretKeyRef'],
)

/** The sources of an `envFrom` entry; `prefix` goes with either. */
export const ENV_FROM_SOURCES = everyKeyOf<IEnvFromSource>()(
  ['prefix'],
  ['configMapRef', 'secretRef'],
)

/**
 * Checks that `object` sets exactly one of `keys` (null counts as unset, as in Kubernetes),
 * reporting at `path` which ones it sets, or that it needs one, naming `what`. `common`, when
 * given, names the usual choices instead of all of them.
 */
export function checkOneOf(
  object: JsonValue | undefined,
  keys: readonly string[],
  path: string,
  what: string,
  report: IssueSink,
  common?: readonly string[],
): void {
  if (!isJsonObject(object)) return
  const set = keys.filter((key) => {
    const value = ownMember(object, key)
    return value !== undefined && value !== null
  })
  if (set.length === 1) return
  if (set.length === 0) {
    report(
      path,
      common === undefined
        ? `must set one ${what}: ${keys.join(', ')}`
        : `must set one ${what}, such as ${common.join(', ')}`,
    )
  } else report(path, `must set only one ${what}, not ${set.join(' and ')}`)
}
