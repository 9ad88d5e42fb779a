import { formatSidecarRef, parseSidecarRef } from './sidecar-ref.ts'
import type { SidecarRef } from './types.ts'

/** Configs one request may name; each costs a lookup, and a pod asking for more is a mistake. */
export const MAX_REQUESTED_CONFIGS = 16

/**
 * Parses request text (`logger:v1, metrics`), the pod's annotation or a namespace's default, into
 * canonical references without duplicates, in order.
 */
export function parseRequestAnnotation(
  text: string,
): { ok: true; refs: readonly SidecarRef[] } | { ok: false; message: string } {
  const parts = text.split(',')
  if (parts.length > MAX_REQUESTED_CONFIGS) {
    return {
      ok: false,
      message: `lists ${parts.length} configs; at most ${MAX_REQUESTED_CONFIGS} are allowed`,
    }
  }
  const refs: SidecarRef[] = []
  const seen = new Set<string>()
  for (const part of parts) {
    const parsed = parseSidecarRef(part)
    if (!parsed.ok) return parsed
    const key = formatSidecarRef(parsed.ref)
    if (seen.has(key)) continue
    seen.add(key)
    refs.push(parsed.ref)
  }
  return { ok: true, refs }
}
