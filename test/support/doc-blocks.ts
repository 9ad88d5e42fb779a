import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** How the docs check treats a `sh` block, from the HTML comment on the line before it. */
export type BlockMarker =
  | { readonly kind: 'run'; readonly exit: number }
  | { readonly kind: 'not-run'; readonly reason: string }

/** One fenced `sh` block of a Markdown file. */
export interface ShellBlock {
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly code: string
  readonly marker: BlockMarker
}

/** README.md and every Markdown file under docs/, relative to `root`. */
export function listDocs(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name))
    .sort()
  return ['README.md', 'CONTRIBUTING.md', ...docs]
}

/** The `sh` blocks of one Markdown text, with their markers (`<!-- not-run: … -->`, `<!-- exit: N -->`). */
export function readShellBlocks(file: string, text: string): ShellBlock[] {
  const lines = text.split('\n')
  const blocks: ShellBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```sh\s*$/.exec(lines[i] ?? '')
    if (open === null) continue
    const indent = open[1]?.length ?? 0
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) {
      body.push((lines[j] ?? '').slice(indent))
      j++
    }
    let k = i - 1
    while (k >= 0 && (lines[k] ?? '').trim() === '') k--
    blocks.push({
      file,
      line: i + 1,
      code: body.join('\n'),
      marker: markerOf((lines[k] ?? '').trim()),
    })
    i = j
  }
  return blocks
}

function markerOf(line: string): BlockMarker {
  const notRun = /^<!-- not-run: (.+) -->$/.exec(line)
  if (notRun !== null) return { kind: 'not-run', reason: notRun[1] ?? '' }
  const exit = /^<!-- exit: (\d+) -->$/.exec(line)
  return { kind: 'run', exit: exit === null ? 0 : Number(exit[1]) }
}

/**
 * The simple commands of a block, each as words: continuation lines joined, comments and
 * heredoc bodies dropped, pipelines, lists and `$( … )` split apart. Enough for the docs' own
 * commands; not a shell parser.
 */
export function simpleCommands(code: string): string[][] {
  const joined: string[] = []
  let heredoc: string | undefined
  let pending = ''
  for (const raw of code.split('\n')) {
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined
      continue
    }
    const line = pending + raw
    if (line.endsWith('\\')) {
      pending = `${line.slice(0, -1)} `
      continue
    }
    pending = ''
    const delimiter = /<<-?\s*'?(\w+)'?/.exec(line)
    if (delimiter !== null) heredoc = delimiter[1]
    const withoutComment = line.replace(/(^|\s)#.*$/, '')
    if (withoutComment.trim() !== '') joined.push(withoutComment)
  }
  return joined
    .flatMap((line) => liftSubstitutions(line.replace(/<<-?\s*'?\w+'?/g, ' ')))
    .flatMap((line) => line.split(/\|\||&&|[|;]/))
    .map(splitWords)
    .filter((words) => words.length > 0)
}

// `a "$(b c)" d` becomes `a "…" d` and `b c`: each command keeps its own words.
function liftSubstitutions(line: string): string[] {
  const inner: string[] = []
  let outer = line
  for (let start = outer.lastIndexOf('$('); start >= 0; start = outer.lastIndexOf('$(')) {
    const end = outer.indexOf(')', start)
    if (end < 0) break
    inner.push(outer.slice(start + 2, end))
    outer = `${outer.slice(0, start)}…${outer.slice(end + 1)}`
  }
  return [outer, ...inner]
}

function splitWords(segment: string): string[] {
  const words: string[] = []
  for (const match of segment.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? '')
  }
  // Redirections name files the command writes, not arguments.
  const kept: string[] = []
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? ''
    if (word === '>' || word === '>>' || word === '2>' || word === '<') i++
    else if (!/^\d?>/.test(word)) kept.push(word)
  }
  return kept
}

/** One step of a block: shell code for bash, or a `sidecar-injector` call to run in process. */
export type BlockStep =
  | { readonly kind: 'shell'; readonly code: string }
  | {
      readonly kind: 'cli'
      /** The line as written, for failure reports. */
      readonly line: string
      /** The arguments as shell words, still to be expanded (quotes, `$VARS`). */
      readonly args: string
      /** The file `> path` sends stdout to, relative to the block's folder. */
      readonly stdoutTo?: string
    }

// `npx sidecar-injector words [> file]`, where no word holds a pipe, list, substitution,
// subshell, comment or other redirection; anything richer stays with bash.
const CLI_LINE =
  /^npx sidecar-injector(?<args>(?:\s+[^\s|&;<>`()#]+)*)(?:\s+>\s*(?<target>[\w./-]+))?\s*$/

/**
 * Splits a block into steps, in order: each line that is a plain `npx sidecar-injector` call
 * (continuation lines joined) becomes a `cli` step; everything between, heredoc bodies
 * included, stays shell code.
 */
export function splitBlockSteps(code: string): BlockStep[] {
  const steps: BlockStep[] = []
  let shell: string[] = []
  let heredoc: string | undefined
  let pending: string[] = []
  const flush = (): void => {
    if (shell.some((line) => line.trim() !== ''))
      steps.push({ kind: 'shell', code: shell.join('\n') })
    shell = []
  }
  for (const raw of code.split('\n')) {
    if (heredoc !== undefined) {
      shell.push(raw)
      if (raw.trim() === heredoc) heredoc = undefined
      continue
    }
    pending.push(raw)
    if (raw.endsWith('\\')) continue
    const lines = pending
    pending = []
    const joined = lines
      .map((line) => line.replace(/\\$/, ''))
      .join(' ')
      .trim()
    const cli = CLI_LINE.exec(joined)
    if (cli === null) {
      shell.push(...lines)
      heredoc = /<<-?\s*'?(\w+)'?/.exec(joined)?.[1]
      continue
    }
    flush()
    const target = cli.groups?.target
    steps.push({
      kind: 'cli',
      line: joined,
      args: (cli.groups?.args ?? '').trim(),
      ...(target === undefined ? {} : { stdoutTo: target }),
    })
  }
  shell.push(...pending)
  flush()
  return steps
}

/** Reads a Markdown file relative to `root`. */
export function readDoc(root: string, file: string): string {
  return readFileSync(join(root, file), 'utf8')
}
