import { validate as validateContainer } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Container'
import { validate as validateEnvVar } from 'kubernetes-models/_schemas/IoK8sApiCoreV1EnvVar'
import { validate as validateHostAlias } from 'kubernetes-models/_schemas/IoK8sApiCoreV1HostAlias'
import { validate as validateLocalObjectReference } from 'kubernetes-models/_schemas/IoK8sApiCoreV1LocalObjectReference'
import { validate as validateVolume } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Volume'
import { validate as validateVolumeMount } from 'kubernetes-models/_schemas/IoK8sApiCoreV1VolumeMount'
import type { IssueSink } from './config-check.ts'
import type { JsonValue } from './json.ts'

/** One error of an ajv-compiled validator, as far as messages need it. */
interface SchemaError {
  readonly instancePath: string
  readonly keyword: string
  readonly params: { readonly [key: string]: unknown }
}

/** An ajv standalone validator: the declared type omits the `errors` it leaves behind. */
type CompiledValidator = ((data: unknown) => boolean) & {
  errors?: readonly SchemaError[] | null
}

// The core/v1 OpenAPI schema, compiled by kubernetes-models; each object a config may carry.
const VALIDATORS = {
  Container: validateContainer as CompiledValidator,
  EnvVar: validateEnvVar as CompiledValidator,
  HostAlias: validateHostAlias as CompiledValidator,
  LocalObjectReference: validateLocalObjectReference as CompiledValidator,
  Volume: validateVolume as CompiledValidator,
  VolumeMount: validateVolumeMount as CompiledValidator,
}

/** A core/v1 type a config carries: `Container`, `Volume`, `EnvVar`, ... */
export type SchemaKind = keyof typeof VALIDATORS

const TYPE_MESSAGES: Readonly<Record<string, string>> = {
  integer: 'must be an integer',
  number: 'must be a number',
  string: 'must be a string',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be an object',
}

/**
 * Checks `value` against the core/v1 schema of `kind` and reports each problem at its field
 * path below `path`, one per field: `containers[0].ports[0].containerPort: must be an integer`.
 */
export function checkSchema(
  kind: SchemaKind,
  value: JsonValue,
  path: string,
  report: IssueSink,
): void {
  const validate = VALIDATORS[kind]
  if (validate(value)) return
  const byPath = new Map<string, SchemaError[]>()
  for (const error of validate.errors ?? []) {
    const at =
      error.keyword === 'required'
        ? `${error.instancePath}/${String(error.params.missingProperty)}`
        : error.instancePath
    byPath.set(at, [...(byPath.get(at) ?? []), error])
  }
  for (const [pointer, errors] of byPath) {
    const tokens = pointer.split('/').slice(1).map(unescapeToken)
    const message = describe(errors, valueAt(value, tokens))
    if (message !== undefined) report(path + tokens.map(formatToken).join(''), message)
  }
}

/** One message for the errors at one field; `undefined` when Kubernetes would accept it. */
function describe(
  errors: readonly SchemaError[],
  value: JsonValue | undefined,
): string | undefined {
  // A failed oneOf also lists each branch's error: the oneOf says it best.
  const oneOf = errors.find((e) => e.keyword === 'oneOf')
  if (oneOf !== undefined) {
    return errors.some((e) => e.params.format === 'quantity')
      ? 'must be a quantity such as 500m, 64Mi or 2'
      : 'must be an integer or a string'
  }
  const [first] = errors
  if (first === undefined) return undefined
  switch (first.keyword) {
    case 'required':
      return 'required'
    case 'type':
      return TYPE_MESSAGES[String(first.params.type)] ?? `must be of type ${first.params.type}`
    case 'enum': {
      // The generated enums refuse null, which Kubernetes reads as "not set".
      if (value === null) return undefined
      const allowed = first.params.allowedValues
      return `must be one of ${Array.isArray(allowed) ? allowed.join(', ') : String(allowed)}`
    }
    case 'format':
      return first.params.format === 'int32'
        ? 'must be an integer between -2147483648 and 2147483647'
        : `must be a valid ${first.params.format}`
    default:
      return `is invalid (${first.keyword})`
  }
}

function valueAt(root: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = root
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = current[token]
    } else return undefined
  }
  return current
}

/** JSON Pointer token (RFC 6901) to text. */
function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~')
}

function formatToken(token: string): string {
  return /^\d+$/.test(token) ? `[${token}]` : `.${token}`
}
