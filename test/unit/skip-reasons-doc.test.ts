import { describe, expect, it } from 'vitest'
import { SKIP_REASONS } from '../../shared/skip-reason.ts'
import { repositoryRoot } from '../support/cli-run.ts'
import { readDoc } from '../support/doc-blocks.ts'

/** The rows of the first Markdown table whose header is `| reason | meaning |`. */
function reasonTable(markdown: string): [string, string][] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => /^\|\s*reason\s*\|\s*meaning\s*\|$/.test(line.trim()))
  if (start === -1) throw new Error('no "| reason | meaning |" table')
  const rows: [string, string][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim())
    rows.push([cells[0] ?? '', cells[1] ?? ''])
  }
  return rows
}

describe('docs/operations.md skip reasons', () => {
  const rows = reasonTable(readDoc(repositoryRoot, 'docs/operations.md'))

  it('lists exactly the reasons of shared/skip-reason.ts, in its order, one per row', () => {
    expect(rows.map(([reason]) => reason)).toEqual(
      Object.keys(SKIP_REASONS).map((reason) => `\`${reason}\``),
    )
  })

  it.each(Object.entries(SKIP_REASONS))('gives %s its meaning', (reason, meaning) => {
    expect(rows.find(([cell]) => cell === `\`${reason}\``)?.[1]).toBe(meaning)
  })
})
