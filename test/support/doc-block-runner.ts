import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runCli } from '../../cli/program.ts'
import { repositoryRoot } from './cli-run.ts'
import { type BlockStep, splitBlockSteps } from './doc-blocks.ts'
import { createRecordingIo } from './recording-io.ts'

/** How a block (or one step of it) ended, with everything it printed. */
export interface BlockRun {
  readonly status: number | null
  readonly output: string
}

const shellEnv = {
  ...process.env,
  PATH: `${join(repositoryRoot, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
  NO_COLOR: '1',
  INJECTOR_SECRET: '',
  INJECTOR_SYNC_TOKEN: '',
}

// Each bash step starts from the variables the steps before it exported, and saves its own.
function runShell(code: string, cwd: string): SpawnSyncReturns<string> {
  const script = `set -euo pipefail\n[ -f .docs-env ] && source .docs-env\n${code}\n`
  return spawnSync('bash', ['-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: shellEnv,
  })
}

/** Runs one step: shell code in bash, a `sidecar-injector` call through `runCli` in process. */
async function runStep(step: BlockStep, cwd: string): Promise<BlockRun> {
  if (step.kind === 'shell') {
    const run = runShell(`${step.code}\nexport -p > .docs-env`, cwd)
    return { status: run.status, output: `${run.stdout}${run.stderr}` }
  }
  // bash expands the words (quotes, $VARS) and reports the environment the CLI would inherit.
  const expanded = runShell(`printf '%s\\0' ${step.args}\nenv -0 > .docs-cli-env`, cwd)
  if (expanded.status !== 0) return { status: expanded.status, output: expanded.stderr }
  const args = step.args === '' ? [] : expanded.stdout.split('\0').slice(0, -1)
  const env = Object.fromEntries(
    readFileSync(join(cwd, '.docs-cli-env'), 'utf8')
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  )
  const target = step.stdoutTo === undefined ? undefined : join(cwd, step.stdoutTo)
  if (target !== undefined && !existsSync(dirname(target))) {
    return { status: 1, output: `${step.stdoutTo}: No such file or directory\n` }
  }
  const recording = createRecordingIo({ env })
  // Relative paths are the reader's, in the scratch folder; the blocks of a file run one by one.
  const previous = process.cwd()
  process.chdir(cwd)
  let status: number
  try {
    status = await runCli(args, recording.io)
  } finally {
    process.chdir(previous)
  }
  if (target !== undefined) writeFileSync(target, recording.stdout())
  const stdout = target === undefined ? recording.stdout() : ''
  return { status, output: `$ ${step.line}\n${stdout}${recording.stderr()}` }
}

/**
 * Runs a docs block in `cwd`, step by step, stopping at the first failure as `set -e` does:
 * shell code in bash, plain `npx sidecar-injector` lines through `runCli` in this process.
 */
export async function runDocBlock(code: string, cwd: string): Promise<BlockRun> {
  let output = ''
  for (const step of splitBlockSteps(code)) {
    const run = await runStep(step, cwd)
    output += run.output
    if (run.status !== 0) return { status: run.status, output }
  }
  return { status: 0, output }
}
