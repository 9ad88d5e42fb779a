import { checkConfigSet } from '../../shared/config-set.ts'
import type { IngestRequest, IngestResult } from '../../shared/ingest-api.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import { hashContent } from './content-hash.ts'
import type { ScopeEntry } from './scope-api.ts'

/** The verdicts on a pushed set, and the configs the scope is to hold. */
export interface IngestPlan {
  readonly results: readonly IngestResult[]
  /** The accepted configs, sorted by `name:version`, so one set always makes the same revision. */
  readonly entries: readonly ScopeEntry[]
}

export interface IngestPlanOptions {
  readonly request: IngestRequest
  readonly allowHostAccess: boolean
  readonly maxConfigBytes: number
  /** Expanded JSON of the whole set; past it `ParseBudgetExceeded` is thrown. */
  readonly maxSetBytes: number
}

/**
 * Validates every entry (the CPU of a push is spent in the Worker, not in the scope's object)
 * and returns the accepted ones with their JSON text and content hash.
 */
export async function planIngest(options: IngestPlanOptions): Promise<IngestPlan> {
  const checked = checkConfigSet(options.request.configs, {
    allowHostAccess: options.allowHostAccess,
    maxConfigBytes: options.maxConfigBytes,
    maxSetBytes: options.maxSetBytes,
  })
  const jsons: string[] = []
  checked.forEach(({ verdict }) => {
    if (verdict.ok) jsons.push(JSON.stringify(verdict.config))
  })
  const hashes = await Promise.all(jsons.map(hashContent))
  const accepted: ScopeEntry[] = []
  const results = checked.map(({ entry, verdict }, index): IngestResult => {
    if (!verdict.ok) {
      const { ok: _ok, ...rejected } = verdict
      return { index, status: 'rejected', ...rejected, source: entry.source }
    }
    const n = accepted.length
    const hash = hashes[n] ?? ''
    const inherits = verdict.config.inherits
    accepted.push({
      ref: verdict.ref,
      json: jsons[n] ?? '',
      hash,
      ...(inherits === undefined ? {} : { inherits: formatSidecarRef(inherits) }),
      source: entry.source,
    })
    const notes = verdict.notes.length === 0 ? {} : { notes: verdict.notes }
    return { index, status: 'accepted', ref: verdict.ref, hash, source: entry.source, ...notes }
  })
  const entries = accepted.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  return { results, entries }
}
