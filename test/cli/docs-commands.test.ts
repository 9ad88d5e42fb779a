// Runs every `sh` block of README.md, CONTRIBUTING.md and docs/, so the docs cannot rot. A block marked
// `<!-- not-run: reason -->` needs a cluster, a Cloudflare account or a running Worker: it is
// checked instead (known programs, files that exist, real `sidecar-injector` commands and flags).
// A block marked `<!-- exit: N -->` must exit with N. Blocks of one file run in order in one
// scratch folder that mirrors the repository, and keep their exported variables, like a reader's
// terminal. Plain `npx sidecar-injector` lines run in process (test/support/doc-block-runner.ts;
// test/cli/cli-bin.test.ts runs the npx bin itself); the rest of each block runs in bash.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositoryRoot, runCli } from '../support/cli-run.ts'
import { runDocBlock } from '../support/doc-block-runner.ts'
import { listDocs, readDoc, readShellBlocks, simpleCommands } from '../support/doc-blocks.ts'

const PROGRAMS = new Set([
  'node',
  'npm',
  'npx',
  'kubectl',
  'curl',
  'docker',
  'openssl',
  'export',
  'mkdir',
  'cat',
  'sed',
  'tr',
  'git',
])
const NPX_TOOLS = new Set(['sidecar-injector', 'wrangler', 'vitest'])
const CLI_COMMANDS = [
  'validate',
  'preview',
  'push',
  'history',
  'rollback',
  'unpin',
  'status',
  'forget',
  'token',
  'webhook-config',
]
const REPOSITORY_PATH = /^@?((deploy|docs|examples|cli|shared|relay|worker|scripts|test)\/\S*)$/

const scripts = Object.keys(
  JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')).scripts as object,
)
const help = new Map<string, string>()

beforeAll(async () => {
  const runs = await Promise.all(CLI_COMMANDS.map((c) => runCli([c, '--help'])))
  for (const [i, command] of CLI_COMMANDS.entries()) help.set(command, runs[i]?.stdout ?? '')
})

/** Checks one simple command of the docs without running it; returns the problems found. */
function checkCommand(words: string[]): string[] {
  const problems: string[] = []
  const rest = [...words]
  while (/^[A-Z_]+=/.test(rest[0] ?? '')) rest.shift()
  const [program = '', ...args] = rest
  if (!PROGRAMS.has(program)) return [`unknown program "${program}"`]
  for (const arg of args) {
    const path = REPOSITORY_PATH.exec(arg)?.[1]
    if (path !== undefined && !existsSync(join(repositoryRoot, path)))
      problems.push(`missing file ${path}`)
  }
  if (program === 'npm') {
    const [verb = '', script = ''] = args
    const name = verb === 'run' ? script : verb
    if (['run', 'start', 'test'].includes(verb) && !scripts.includes(name)) {
      problems.push(`no npm script "${name}"`)
    }
  }
  if (program === 'npx') {
    const [tool = '', command = '', ...flags] = args
    if (!NPX_TOOLS.has(tool)) problems.push(`unexpected npx tool "${tool}"`)
    if (tool === 'sidecar-injector') {
      const text = help.get(command)
      if (text === undefined) return [...problems, `no sidecar-injector command "${command}"`]
      for (const flag of flags.filter((f) => f.startsWith('--'))) {
        const name = flag.split('=')[0] ?? flag
        if (name !== '--help' && !text.includes(`${name} `))
          problems.push(`${command} has no flag ${name}`)
      }
    }
  }
  return problems
}

function mirrorRepository(): string {
  const scratch = mkdtempSync(join(tmpdir(), 'docs-check-'))
  for (const entry of readdirSync(repositoryRoot)) {
    if (entry === '.git' || entry === '.dev.vars' || entry === '.wrangler') continue
    symlinkSync(join(repositoryRoot, entry), join(scratch, entry))
  }
  // Build output the docs create (`npm run build:relay`) lands in the repository, as npm runs
  // scripts there: link it even before it exists.
  if (!existsSync(join(scratch, 'dist'))) {
    symlinkSync(join(repositoryRoot, 'dist'), join(scratch, 'dist'))
  }
  return scratch
}

const docs = listDocs(repositoryRoot)

it('finds runnable commands in the docs', () => {
  const blocks = docs.flatMap((file) => readShellBlocks(file, readDoc(repositoryRoot, file)))
  expect(blocks.filter((b) => b.marker.kind === 'run').length).toBeGreaterThan(10)
})

describe.each(docs)('%s', (file) => {
  const blocks = readShellBlocks(file, readDoc(repositoryRoot, file))
  const scratch = mirrorRepository()
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it.each(blocks.map((block) => [block.line, block] as const))(
    'block at line %i: its commands are real',
    (_, block) => {
      const commands = simpleCommands(block.code)
      expect(commands.length).toBeGreaterThan(0)
      expect(commands.flatMap(checkCommand)).toEqual([])
    },
  )

  it.each(blocks.filter((b) => b.marker.kind === 'run').map((b) => [b.line, b] as const))(
    'block at line %i runs',
    { timeout: 180_000 },
    async (_, block) => {
      const result = await runDocBlock(block.code, scratch)
      const expected = block.marker.kind === 'run' ? block.marker.exit : 0
      expect(result.status, `${file}:${block.line}\n${result.output}`).toBe(expected)
    },
  )
})
