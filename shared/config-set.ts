import type { ConfigSource, IngestEntry } from './ingest-api.ts'
import type { ParseBudget } from './parse-limits.ts'
import { parseSidecarConfig } from './sidecar-config.ts'
import { formatSidecarRef } from './sidecar-ref.ts'
import type { ConfigIssue, SidecarConfig } from './types.ts'

/**
 * The verdict on one entry of a config set: its config with its notes (findings that do not
 * refuse it), or why the set cannot hold it.
 */
export type ConfigVerdict =
  | {
      readonly ok: true
      readonly ref: string
      readonly config: SidecarConfig
      readonly notes: readonly ConfigIssue[]
    }
  | { readonly ok: false; readonly ref?: string; readonly issues: readonly ConfigIssue[] }

/** How a set is checked: access beyond Pod Security baseline is refused unless the Worker allows it. */
export interface ConfigSetOptions {
  readonly allowHostAccess: boolean
  /** Per-config limit on the expanded JSON in bytes (`INJECTOR_CONFIG_MAX_BYTES`); default 128 KiB. */
  readonly maxConfigBytes?: number
  /**
   * Limit on the JSON the whole set expands to, refused configs included (the Worker passes
   * twice `INJECTOR_SCOPE_MAX_BYTES`): past it the check stops and throws `ParseBudgetExceeded`,
   * so YAML aliases cannot make a set of small texts expand without end.
   */
  readonly maxSetBytes?: number
}

/** One entry of a set with its verdict. */
export interface CheckedEntry<E extends IngestEntry> {
  readonly entry: E
  readonly verdict: ConfigVerdict
}

/**
 * The one rule for a set of configs, as the Worker applies it at ingest and the relay and the
 * CLI apply it before: each text must parse, host access is refused unless allowed, and a
 * `name:version` that two valid entries claim is rejected on both (neither may win). Returns
 * every entry with its verdict, in entry order.
 */
export function checkConfigSet<E extends IngestEntry>(
  entries: readonly E[],
  options: ConfigSetOptions,
): CheckedEntry<E>[] {
  const { maxSetBytes } = options
  const budget =
    maxSetBytes === undefined ? undefined : { limit: maxSetBytes, remaining: maxSetBytes }
  const checked = entries.map((entry) => ({
    entry,
    verdict: checkEntry(entry.text, options, budget),
  }))
  const claims = new Map<string, typeof checked>()
  for (const item of checked) {
    const { verdict } = item
    if (verdict.ok) claims.set(verdict.ref, [...(claims.get(verdict.ref) ?? []), item])
  }
  for (const [ref, group] of claims) {
    if (group.length < 2) continue
    for (const item of group) {
      const others = group.filter((other) => other !== item)
      const where = others.map((other) => describeSource(other.entry.source)).join(', ')
      const issue = { path: 'name', message: `duplicate ${ref}: also defined in ${where}` }
      item.verdict = { ok: false, ref, issues: [issue] }
    }
  }
  return checked
}

/** Names a source in messages: `ConfigMap sidecars/logging key logger.yaml`, `file a.yaml#2`. */
function describeSource(source: ConfigSource): string {
  if (source.kind === 'ConfigMap') {
    return `ConfigMap ${source.namespace}/${source.name} key ${source.key}`
  }
  return source.document === undefined
    ? `file ${source.path}`
    : `file ${source.path}#${source.document}`
}

function checkEntry(
  text: string,
  options: ConfigSetOptions,
  budget: ParseBudget | undefined,
): ConfigVerdict {
  const { maxConfigBytes } = options
  const parsed = parseSidecarConfig(text, {
    ...(maxConfigBytes === undefined ? {} : { maxJsonBytes: maxConfigBytes }),
    ...(budget === undefined ? {} : { budget }),
  })
  if (!parsed.ok) return parsed
  const ref = formatSidecarRef(parsed.config)
  if (!options.allowHostAccess && parsed.hostAccess.length > 0) {
    const issues = parsed.hostAccess.map((finding) => ({
      path: finding.path,
      message: `${finding.detail} is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true`,
    }))
    return { ok: false, ref, issues }
  }
  return { ok: true, ref, config: parsed.config, notes: parsed.notes }
}
