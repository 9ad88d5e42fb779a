/** The header a relay names itself in (its pod name), recorded with each revision it makes. */
export const RELAY_INSTANCE_HEADER = 'x-relay-instance'

// A pod name is a DNS subdomain (253 characters); hostnames outside Kubernetes may add capitals
// and `_`. Nothing else reaches the history, whose readers print it.
const INSTANCE = /^[A-Za-z0-9._-]{1,253}$/

/** Whether `name` may name a relay instance: what the Worker records, and all a relay sends. */
export function isRelayInstance(name: string): boolean {
  return INSTANCE.test(name)
}
