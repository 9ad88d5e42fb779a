import { isDnsLabel } from './dns-name.ts'
import type { SidecarRef } from './types.ts'

/** The version a reference without `:version` means, as in tumblr's injector. */
export const DEFAULT_VERSION = 'latest'

const VERSION = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/

/**
 * Parses `name[:version]` into its canonical lowercase form; `a:b:c` and an empty name are
 * errors, and `name:` means `name:latest`, as in tumblr's injector.
 */
export function parseSidecarRef(
  text: string,
): { ok: true; ref: SidecarRef } | { ok: false; message: string } {
  const shown = text.trim()
  const trimmed = shown.toLowerCase()
  if (trimmed === '') return { ok: false, message: 'sidecar name is empty' }
  const parts = trimmed.split(':')
  if (parts.length > 2) {
    return { ok: false, message: `"${shown}" has more than one ":"; expected name[:version]` }
  }
  const [name = '', written = ''] = parts
  const version = written === '' ? DEFAULT_VERSION : written
  if (name === '') return { ok: false, message: `"${shown}" has an empty name` }
  if (!isDnsLabel(name)) {
    return {
      ok: false,
      message: `name "${name}" must be a DNS label: a-z, 0-9 and "-", at most 63 characters`,
    }
  }
  if (version.length > 63 || !VERSION.test(version)) {
    return {
      ok: false,
      message: `version "${version}" may hold only a-z, 0-9, "-", "." and "_" (at most 63 characters)`,
    }
  }
  return { ok: true, ref: { name, version } }
}

/** Formats a reference as `name:version`, the key configs are stored and requested under. */
export function formatSidecarRef(ref: SidecarRef): string {
  return `${ref.name}:${ref.version}`
}
