import { execFile } from 'node:child_process'
import { resolve } from 'node:path'

/** What one run of the `sidecar-injector` CLI printed, and how it exited. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** The repository root, the CLI's working directory in tests. */
export const repositoryRoot = resolve(import.meta.dirname, '../..')

/**
 * Runs `cli/bin.ts` as a child process with Node 24 (the test runner's own node), in the
 * repository root, with only PATH and the given variables in its environment.
 */
export function runCli(
  args: readonly string[],
  options: { readonly env?: Readonly<Record<string, string>>; readonly cwd?: string } = {},
): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...options.env }
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(repositoryRoot, 'cli/bin.ts'), ...args],
      { cwd: options.cwd ?? repositoryRoot, env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        done({ code, stdout, stderr })
      },
    )
  })
}
