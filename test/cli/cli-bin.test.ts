// The other CLI tests run the command tree in process (test/support/cli-run.ts). These start
// the real `cli/bin.ts`, so the wiring they skip is tested once: exit codes, stdout and stderr,
// the environment and Web Crypto of the process, and the package bin the docs call via npx.
import { describe, expect, it } from 'vitest'
import { runCli, spawnCli } from '../support/cli-run.ts'

describe('cli/bin.ts as a process', () => {
  it('without a command prints the help on stderr, nothing on stdout, and exits 2', async () => {
    const run = await spawnCli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('Usage: sidecar-injector')
  })

  it('prints findings on stdout, the summary on stderr, and exits 1 for a broken config', async () => {
    const run = await spawnCli(['validate', 'docs/examples/broken.yaml'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^docs\/examples\/broken\.yaml: contaners: unknown field/)
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(3)
    expect(run.stderr).toBe('error: 1 config checked: 3 problems\n')
  })

  it('via `npx sidecar-injector` reads INJECTOR_SECRET from its environment, exit 0', async () => {
    const env = { INJECTOR_SECRET: 'bin-test-secret-of-at-least-32-characters' }
    const args = ['token', '--cluster', 'prod-eu']
    const [spawned, inProcess] = await Promise.all([
      spawnCli(args, { env, launcher: 'npx' }),
      runCli(args, { env }),
    ])
    expect(spawned.stderr).toBe('')
    expect(spawned.code).toBe(0)
    expect(spawned.stdout).toMatch(/^cluster: prod-eu\nadmit: \S+\nsync: \S+\n$/)
    expect(spawned.stdout).toBe(inProcess.stdout)
  })
})
