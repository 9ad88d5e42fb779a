import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repositoryRoot } from '../support/cli-run.ts'
import { listDocs, readDoc, readShellBlocks } from '../support/doc-blocks.ts'

// GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes.
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  for (const match of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const text = (match[1] ?? '').toLowerCase().replace(/[^a-z0-9 _-]/g, '')
    anchors.add(text.replaceAll(' ', '-'))
  }
  return anchors
}

const docs = listDocs(repositoryRoot)

describe.each(docs)('%s', (file) => {
  const text = readDoc(repositoryRoot, file)

  it('links only to files and headings that exist', () => {
    const broken: string[] = []
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? ''
      if (/^[a-z]+:/.test(target)) continue
      const [path = '', anchor] = target.split('#')
      const resolved = path === '' ? file : join(dirname(file), path)
      if (!existsSync(join(repositoryRoot, resolved))) broken.push(target)
      else if (anchor !== undefined && !anchorsOf(readDoc(repositoryRoot, resolved)).has(anchor)) {
        broken.push(target)
      }
    }
    expect(broken).toEqual([])
  })

  it('names no paths of a particular machine', () => {
    expect(text).not.toMatch(/(\/work\/|\/home\/|\/Users\/|C:\\)/)
  })
})

describe('README', () => {
  const readme = readDoc(repositoryRoot, 'README.md')
  const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## A 5-minute'))

  it('has a quick start of exactly two commands: run locally, run the tests', () => {
    const blocks = readShellBlocks('README.md', quickStart)
    expect(blocks.map((b) => b.code.trim())).toEqual(['npm ci && npm start', 'npm test'])
  })

  it('sums up the benchmarks in a few lines and links the figures', () => {
    const summary = readme.slice(
      readme.indexOf('## Benchmarks'),
      readme.indexOf('## Documentation'),
    )
    const prose = summary.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
    expect(prose.length).toBeLessThanOrEqual(3)
    expect(summary).toContain('](docs/benchmarks.md)')
  })

  it('gives each benchmark figure with the npm script that repeats it', () => {
    const scripts = (
      JSON.parse(readDoc(repositoryRoot, 'package.json')) as { scripts: Record<string, string> }
    ).scripts
    const benchmarks = readDoc(repositoryRoot, 'docs/benchmarks.md')
    for (const script of ['bench', 'bench:worker', 'bench:relay', 'bench:memory']) {
      expect(benchmarks).toContain(`\`npm run ${script}\``)
      expect(scripts[script]).toMatch(/^node scripts\/bench-[a-z]+\.ts$/)
    }
    // Tables, not placeholders.
    expect(benchmarks.match(/^\| .* \|$/gm)?.length ?? 0).toBeGreaterThan(15)
  })

  it('links every document under docs/', () => {
    for (const doc of docs.filter((d) => d.startsWith('docs/')))
      expect(readme).toContain(`](${doc})`)
  })
})
