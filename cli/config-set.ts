import { parseSidecarConfig } from '../shared/sidecar-config.ts'
import { formatSidecarRef } from '../shared/sidecar-ref.ts'
import type { SidecarConfig } from '../shared/types.ts'
import type { ConfigDocument, FileProblem } from './document-reader.ts'

/** One problem to print as `label: path: message`. */
export interface Finding {
  readonly label: string
  readonly path: string
  readonly message: string
}

/** The valid configs by `name:version`, and every problem found on the way. */
export interface CheckedConfigs {
  readonly configs: ReadonlyMap<string, SidecarConfig>
  readonly findings: readonly Finding[]
}

/** Parses every document as the Worker's ingest does: schema, host access, duplicate names. */
export function checkConfigs(
  documents: readonly ConfigDocument[],
  problems: readonly FileProblem[],
  options: { readonly allowHostAccess: boolean },
): CheckedConfigs {
  const findings: Finding[] = problems.map((p) => ({
    label: p.label,
    path: '',
    message: p.message,
  }))
  const configs = new Map<string, SidecarConfig>()
  const origin = new Map<string, string>()
  for (const document of documents) {
    const result = parseSidecarConfig(document.text)
    if (!result.ok) {
      for (const issue of result.issues) findings.push({ label: document.label, ...issue })
      continue
    }
    const ref = formatSidecarRef(result.config)
    const other = origin.get(ref)
    if (other !== undefined) {
      // The Worker rejects both entries of a duplicate name:version in one push.
      findings.push({
        label: document.label,
        path: 'name',
        message: `"${ref}" is also defined in ${other}`,
      })
      configs.delete(ref)
      continue
    }
    origin.set(ref, document.label)
    const hostAccess = options.allowHostAccess ? [] : result.hostAccess
    for (const finding of hostAccess) {
      findings.push({
        label: document.label,
        path: finding.path,
        message: `${finding.kind} is host access, refused unless the Worker sets INJECTOR_ALLOW_HOST_ACCESS=true`,
      })
    }
    if (hostAccess.length === 0) configs.set(ref, result.config)
  }
  return { configs, findings }
}

/** Formats a finding as one output line. */
export function formatFinding(finding: Finding): string {
  return finding.path === ''
    ? `${finding.label}: ${finding.message}`
    : `${finding.label}: ${finding.path}: ${finding.message}`
}
