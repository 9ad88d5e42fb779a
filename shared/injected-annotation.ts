import { parseSidecarRef } from './sidecar-ref.ts'

/** One config stamped on an injected pod: its canonical `name:version` and short content hash. */
export interface InjectedConfig {
  readonly config: string
  /** The first 8 hex digits of the config's content hash. */
  readonly hash: string
}

/** Hex digits of the content hash kept on the pod: enough to tell versions apart, short to read. */
export const SHORT_HASH_LENGTH = 8

const SHORT_HASH = /^[0-9a-f]{8}$/

/** The annotation key that records what was injected: `{annotation namespace}/injected`. */
export function injectedAnnotationKey(annotationNamespace: string): string {
  return `${annotationNamespace}/injected`
}

/** Formats the stamp: `logger:v1@0a1b2c3d,metrics:v1@4e5f6a7b`, in injection order. */
export function formatInjectedAnnotation(configs: readonly InjectedConfig[]): string {
  return configs
    .map(({ config, hash }) => `${config}@${hash.slice(0, SHORT_HASH_LENGTH)}`)
    .join(',')
}

/**
 * Reads a stamp back; entries that are not `name:version@8hex` are skipped, so a hand-edited or
 * foreign annotation never stops a report.
 */
export function parseInjectedAnnotation(text: string): InjectedConfig[] {
  const configs: InjectedConfig[] = []
  for (const part of text.split(',')) {
    const at = part.lastIndexOf('@')
    if (at <= 0) continue
    const ref = parseSidecarRef(part.slice(0, at))
    const hash = part
      .slice(at + 1)
      .trim()
      .toLowerCase()
    if (!ref.ok || !SHORT_HASH.test(hash)) continue
    configs.push({ config: `${ref.ref.name}:${ref.ref.version}`, hash })
  }
  return configs
}
