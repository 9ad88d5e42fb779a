import type { JsonObject, JsonValue } from '../../../shared/json.ts'
import type { FieldIssue } from './resource.ts'
import { asObject } from './store.ts'

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
// The apiserver's limit on all annotations of an object together (ValidateAnnotationsSize).
const MAX_ANNOTATIONS_BYTES = 256 * 1024

/**
 * The part of core/validation ValidatePodCreate the fake applies: containers named (DNS labels,
 * unique) with an image, and the annotation size limit. No defaulting, no admission.
 */
export function validatePod(pod: JsonObject): FieldIssue[] {
  const issues: FieldIssue[] = []
  const annotations = asObject(asObject(pod.metadata).annotations)
  const size = Object.entries(annotations).reduce(
    (sum, [key, value]) => sum + key.length + String(value).length,
    0,
  )
  if (size > MAX_ANNOTATIONS_BYTES) {
    issues.push({
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${MAX_ANNOTATIONS_BYTES} bytes`,
    })
  }
  const containers = asObject(pod.spec).containers
  if (!Array.isArray(containers) || containers.length === 0) {
    issues.push({ field: 'spec.containers', message: 'Required value' })
    return issues
  }
  const names = new Set<string>()
  containers.forEach((item, index) => {
    const container = asObject(item)
    const field = `spec.containers[${index}]`
    const name = container.name
    if (typeof name !== 'string' || name === '') {
      issues.push({ field: `${field}.name`, message: 'Required value' })
    } else if (name.length > 63 || !DNS_LABEL.test(name)) {
      issues.push({
        field: `${field}.name`,
        message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
      })
    } else if (names.has(name)) {
      issues.push({ field: `${field}.name`, message: `Duplicate value: "${name}"` })
    }
    if (typeof name === 'string') names.add(name)
    if (typeof container.image !== 'string' || container.image.trim() === '') {
      issues.push({ field: `${field}.image`, message: 'Required value' })
    }
  })
  return issues
}

/** A new pod's status, as the registry sets it on create (podStrategy.PrepareForCreate). */
export function initialPodStatus(pod: JsonObject): JsonObject {
  return { phase: 'Pending', qosClass: qosClassOf(pod) }
}

// v1 qos.GetPodQOS, for cpu and memory: nothing set is BestEffort, limits equal to requests
// everywhere is Guaranteed, anything else Burstable.
function qosClassOf(pod: JsonObject): string {
  const containers = asObject(pod.spec).containers
  const list = Array.isArray(containers) ? containers.map(asObject) : []
  let any = false
  let guaranteed = true
  for (const container of list) {
    const resources = asObject(container.resources)
    const requests = asObject(resources.requests)
    const limits = asObject(resources.limits)
    for (const name of ['cpu', 'memory']) {
      const request: JsonValue | undefined = requests[name] ?? limits[name]
      const limit: JsonValue | undefined = limits[name]
      if (request !== undefined || limit !== undefined) any = true
      if (limit === undefined || String(limit) !== String(request)) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}
