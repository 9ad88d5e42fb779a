import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { runCli as runProgram } from '../../cli/program.ts'
import { createRecordingIo } from './recording-io.ts'

/** What one run of the `sidecar-injector` CLI printed, and how it exited. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** What a CLI run sees besides its arguments. */
export interface CliRunOptions {
  /** The CLI's environment, and nothing else of the test process's. */
  readonly env?: Readonly<Record<string, string>>
}

/** The repository root, the CLI's working directory in tests. */
export const repositoryRoot = resolve(import.meta.dirname, '../..')

/**
 * Runs the CLI inside the test process through `runCli` from `cli/program.ts`, with a recording
 * io: the same command tree, output and exit codes as `cli/bin.ts`, without a Node start-up
 * per call. Relative paths resolve against the repository root, as for the spawned CLI.
 */
export async function runCli(
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  if (process.cwd() !== repositoryRoot) {
    throw new Error(
      `CLI tests read repository files by relative path: run vitest from ${repositoryRoot}`,
    )
  }
  const recording = createRecordingIo(options.env === undefined ? {} : { env: options.env })
  const code = await runProgram(args, recording.io)
  return { code, stdout: recording.stdout(), stderr: recording.stderr() }
}

/** How `spawnCli` starts the CLI: `cli/bin.ts` under Node, or the package bin through npx. */
export type CliLauncher = 'node' | 'npx'

/**
 * Runs the real `cli/bin.ts` as a child process, with Node 24 (the test runner's own node) or
 * through `npx sidecar-injector` as the docs do, in the repository root, with only PATH and
 * the given variables in its environment.
 */
export function spawnCli(
  args: readonly string[],
  options: CliRunOptions & { readonly launcher?: CliLauncher } = {},
): Promise<CliRun> {
  // node_modules/.bin first, as under `npm run`: the bin's `env node` then finds Node 24.
  const path = `${resolve(repositoryRoot, 'node_modules/.bin')}:${process.env.PATH ?? ''}`
  const env = { PATH: path, NO_COLOR: '1', ...options.env }
  const [file, prefix] =
    options.launcher === 'npx'
      ? ['npx', ['--no-install', 'sidecar-injector']]
      : [process.execPath, [resolve(repositoryRoot, 'cli/bin.ts')]]
  return new Promise((done) => {
    execFile(
      file,
      [...prefix, ...args],
      { cwd: repositoryRoot, env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        done({ code, stdout, stderr })
      },
    )
  })
}
