const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Whether `text` is a DNS-1123 label (container, volume and config names): lowercase, <= 63. */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && LABEL.test(text)
}

/** Whether `text` is a DNS-1123 subdomain (service account names): dot-separated labels, <= 253. */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && text.split('.').every((part) => LABEL.test(part))
}

const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

/**
 * Whether `text` is an IANA service name (RFC 6335), as Kubernetes wants port names: at most 15
 * characters of a-z, 0-9 and "-", at least one letter, no "-" at either end or twice in a row.
 */
export function isPortName(text: string): boolean {
  return text.length <= 15 && PORT_NAME.test(text) && /[a-z]/.test(text) && !text.includes('--')
}
