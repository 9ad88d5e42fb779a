import type { IssueSink } from './config-check.ts'
import { isPortName } from './dns-name.ts'
import { isJsonObject, type JsonObject, type JsonValue, ownMember } from './json.ts'
import { checkOneOf, ENV_FROM_SOURCES, LIFECYCLE_HANDLERS, PROBE_HANDLERS } from './one-of.ts'
import { compareQuantities, parseQuantity, type Quantity } from './quantity.ts'
import { checkEnvRules, checkMountRules } from './volume-rules.ts'

// Kubernetes' validation rules (pkg/apis/core/validation) for one container that the OpenAPI
// schema cannot express. Types are the schema's job: these rules skip a field of the wrong type.

/** Whether a container is a regular one or an init container (native sidecars included). */
export type ContainerRole = 'container' | 'init'

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const
const PROBE_COUNTS = [
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
]
const QUANTITY_HINT = 'must be a quantity such as 500m, 64Mi or 2'

/** Checks the rules of one container at `at` (`containers[0]`). */
export function checkContainerRules(
  container: JsonObject,
  at: string,
  role: ContainerRole,
  report: IssueSink,
): void {
  checkPorts(ownMember(container, 'ports'), `${at}.ports`, report)
  const restartPolicy = ownMember(container, 'restartPolicy')
  const policySet = restartPolicy !== undefined && restartPolicy !== null
  if (role === 'container' && policySet) {
    report(`${at}.restartPolicy`, 'only init containers may set it (Always, for a native sidecar)')
  }
  if (role === 'init' && policySet && restartPolicy !== 'Always') {
    report(`${at}.restartPolicy`, 'an init container may only set Always (a native sidecar)')
  }
  // Probes and hooks run beside the app: a plain init container, run to completion, has none.
  const plainInit = role === 'init' && restartPolicy !== 'Always'
  for (const field of [...PROBES, 'lifecycle']) {
    const value = ownMember(container, field)
    if (plainInit && value !== undefined && value !== null) {
      report(`${at}.${field}`, 'an init container may set it only with restartPolicy: Always')
    }
  }
  for (const probe of PROBES) checkProbe(ownMember(container, probe), `${at}.${probe}`, report)
  const lifecycle = ownMember(container, 'lifecycle')
  if (isJsonObject(lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      const handler = ownMember(lifecycle, hook)
      const path = `${at}.lifecycle.${hook}`
      checkOneOf(handler, LIFECYCLE_HANDLERS, path, 'handler', report)
      checkHandlerPorts(handler, path, report)
    }
  }
  checkResources(ownMember(container, 'resources'), `${at}.resources`, report)
  forEachObject(ownMember(container, 'env'), `${at}.env`, (entry, path) => {
    checkEnvRules(entry, path, report)
  })
  forEachObject(ownMember(container, 'envFrom'), `${at}.envFrom`, (entry, path) => {
    checkOneOf(entry, ENV_FROM_SOURCES, path, 'source', report)
  })
  const privileged = isPrivileged(container)
  forEachObject(ownMember(container, 'volumeMounts'), `${at}.volumeMounts`, (mount, path) => {
    checkMountRules(mount, path, privileged, report)
  })
}

// A container whose securityContext says `privileged: true`.
function isPrivileged(container: JsonObject): boolean {
  const security = ownMember(container, 'securityContext')
  return isJsonObject(security) && ownMember(security, 'privileged') === true
}

function checkPorts(ports: JsonValue | undefined, at: string, report: IssueSink): void {
  const names = new Set<string>()
  forEachObject(ports, at, (port, path) => {
    checkPortNumber(ownMember(port, 'containerPort'), `${path}.containerPort`, false, report)
    checkPortNumber(ownMember(port, 'hostPort'), `${path}.hostPort`, true, report)
    const name = ownMember(port, 'name')
    if (typeof name !== 'string' || name === '') return
    if (!isPortName(name)) {
      report(
        `${path}.name`,
        `"${name}" must be a port name: at most 15 characters of a-z, 0-9 and "-", with a letter, no "-" at either end or twice in a row`,
      )
    } else if (names.has(name)) report(`${path}.name`, `duplicate port name "${name}"`)
    names.add(name)
  })
}

function checkPortNumber(
  value: JsonValue | undefined,
  at: string,
  zeroMeansUnset: boolean,
  report: IssueSink,
): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) return
  if (zeroMeansUnset && value === 0) return
  if (value < 1 || value > 65535) report(at, 'must be a port number between 1 and 65535')
}

/** A port given as a number or a port name (httpGet.port, tcpSocket.port). */
function checkPortRef(value: JsonValue | undefined, at: string, report: IssueSink): void {
  if (typeof value === 'string') {
    if (!isPortName(value)) report(at, `"${value}" must be a port number or a port name`)
  } else checkPortNumber(value, at, false, report)
}

function checkHandlerPorts(handler: JsonValue | undefined, at: string, report: IssueSink): void {
  if (!isJsonObject(handler)) return
  for (const kind of ['httpGet', 'tcpSocket']) {
    const action = ownMember(handler, kind)
    if (isJsonObject(action)) checkPortRef(ownMember(action, 'port'), `${at}.${kind}.port`, report)
  }
  const grpc = ownMember(handler, 'grpc')
  if (isJsonObject(grpc)) checkPortNumber(ownMember(grpc, 'port'), `${at}.grpc.port`, false, report)
}

function checkProbe(probe: JsonValue | undefined, at: string, report: IssueSink): void {
  if (!isJsonObject(probe)) return
  checkOneOf(probe, PROBE_HANDLERS, at, 'handler', report)
  checkHandlerPorts(probe, at, report)
  for (const field of PROBE_COUNTS) {
    const value = ownMember(probe, field)
    if (typeof value === 'number' && value < 0) report(`${at}.${field}`, 'must not be negative')
  }
  const success = ownMember(probe, 'successThreshold')
  const onlyOne = !at.endsWith('.readinessProbe')
  if (onlyOne && typeof success === 'number' && success !== 1 && success > 0) {
    report(`${at}.successThreshold`, 'must be 1 for a liveness or startup probe')
  }
}

/** Quantities in Kubernetes' own grammar, not negative, and each request at most its limit. */
function checkResources(resources: JsonValue | undefined, at: string, report: IssueSink): void {
  if (!isJsonObject(resources)) return
  const read = (field: string): Map<string, Quantity> => {
    const parsed = new Map<string, Quantity>()
    const map = ownMember(resources, field)
    if (!isJsonObject(map)) return parsed
    for (const [name, value] of Object.entries(map)) {
      const quantity = parseQuantity(value)
      const path = `${at}.${field}.${name}`
      if (quantity === undefined) report(path, QUANTITY_HINT)
      else if (quantity.numerator < 0n) report(path, 'must not be negative')
      else parsed.set(name, quantity)
    }
    return parsed
  }
  const requests = read('requests')
  const limits = read('limits')
  const requestsMap = ownMember(resources, 'requests')
  const limitsMap = ownMember(resources, 'limits')
  for (const [name, request] of requests) {
    const limit = limits.get(name)
    if (limit === undefined || compareQuantities(request, limit) <= 0) continue
    const shown = (map: JsonValue | undefined) =>
      isJsonObject(map) ? String(ownMember(map, name)) : ''
    report(
      `${at}.requests.${name}`,
      `${shown(requestsMap)} is more than the limit ${shown(limitsMap)}`,
    )
  }
}

function forEachObject(
  list: JsonValue | undefined,
  at: string,
  each: (entry: JsonObject, path: string) => void,
): void {
  if (!Array.isArray(list)) return
  list.forEach((entry, i) => {
    if (isJsonObject(entry)) each(entry, `${at}[${i}]`)
  })
}
