import { type ConfigSetOptions, checkConfigSet } from '../shared/config-set.ts'
import type { SidecarConfig } from '../shared/types.ts'
import type { ConfigDocument, FileProblem } from './document-reader.ts'

/** One problem to print as `label: path: message`. */
export interface Finding {
  readonly label: string
  readonly path: string
  readonly message: string
}

/** The valid configs by `name:version`, every problem found on the way, and notes that refuse nothing. */
export interface CheckedConfigs {
  readonly configs: ReadonlyMap<string, SidecarConfig>
  readonly findings: readonly Finding[]
  readonly notes: readonly Finding[]
}

/** Checks the documents as one set, with the Worker's own rule: schema, host access, duplicates. */
export function checkConfigs(
  documents: readonly ConfigDocument[],
  problems: readonly FileProblem[],
  options: ConfigSetOptions,
): CheckedConfigs {
  const findings: Finding[] = problems.map((p) => ({
    label: p.label,
    path: '',
    message: p.message,
  }))
  const notes: Finding[] = []
  const configs = new Map<string, SidecarConfig>()
  for (const { entry, verdict } of checkConfigSet(documents, options)) {
    if (verdict.ok) {
      configs.set(verdict.ref, verdict.config)
      for (const note of verdict.notes) notes.push({ label: entry.label, ...note })
    } else for (const issue of verdict.issues) findings.push({ label: entry.label, ...issue })
  }
  return { configs, findings, notes }
}

/** Formats a finding as one output line. */
export function formatFinding(finding: Finding): string {
  return finding.path === ''
    ? `${finding.label}: ${finding.message}`
    : `${finding.label}: ${finding.path}: ${finding.message}`
}
