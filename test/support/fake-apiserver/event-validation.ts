import type { JsonObject } from '../../../shared/json.ts'
import type { FieldIssue } from './resource.ts'
import { asObject } from './store.ts'

const TYPES = ['Normal', 'Warning']

/** core/v1 Event checks of the legacy validation (core/validation/events.go). */
export function validateCoreEvent(event: JsonObject): FieldIssue[] {
  const issues: FieldIssue[] = []
  const namespace = asObject(event.metadata).namespace
  const involved = asObject(event.involvedObject)
  if (
    typeof involved.namespace === 'string' &&
    involved.namespace !== '' &&
    involved.namespace !== namespace
  ) {
    issues.push({
      field: 'involvedObject.namespace',
      message: `Invalid value: "${involved.namespace}": does not match event.namespace`,
    })
  }
  if (event.type !== undefined && !TYPES.includes(String(event.type))) {
    issues.push({
      field: 'type',
      message: `Unsupported value: "${String(event.type)}": supported values: "Normal", "Warning"`,
    })
  }
  return issues
}

/** events.k8s.io/v1 Event checks (ValidateEventCreate for the new API). */
export function validateEventsV1(event: JsonObject): FieldIssue[] {
  const issues: FieldIssue[] = []
  for (const field of [
    'eventTime',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
  ]) {
    const value = event[field]
    if (typeof value !== 'string' || value === '') issues.push({ field, message: 'Required value' })
  }
  if (!TYPES.includes(String(event.type))) {
    issues.push({
      field: 'type',
      message: `Unsupported value: "${String(event.type ?? '')}": supported values: "Normal", "Warning"`,
    })
  }
  const namespace = asObject(event.metadata).namespace
  const regarding = asObject(event.regarding)
  if (
    typeof regarding.namespace === 'string' &&
    regarding.namespace !== '' &&
    regarding.namespace !== namespace
  ) {
    issues.push({
      field: 'regarding.namespace',
      message: `Invalid value: "${regarding.namespace}": does not match event.namespace`,
    })
  }
  return issues
}
