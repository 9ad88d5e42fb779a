/** The fleet-wide scope: configs every cluster can use, written with the sync token of `shared`. */
export const SHARED_SCOPE = 'shared'

// DNS-label-like (RFC 1123): the name is a URL path segment and a KV key part, so no `/`, `.`, `%`.
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

/** Parses a cluster name: lowercase letters, digits and `-`, 1 to 63 characters, alphanumeric at both ends. */
export function parseClusterName(
  text: string,
): { ok: true; name: string } | { ok: false; message: string } {
  if (text.length === 0) return { ok: false, message: 'cluster: must not be empty' }
  if (text.length > 63) return { ok: false, message: 'cluster: must be at most 63 characters' }
  if (CLUSTER_NAME.test(text)) return { ok: true, name: text }
  return {
    ok: false,
    message:
      'cluster: must be lowercase letters, digits and "-", starting and ending with a letter or digit',
  }
}
