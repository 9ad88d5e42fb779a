import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repositoryRoot, runCli } from '../support/cli-run.ts'

const commands = ['validate', 'preview', 'push', 'token', 'webhook-config']

describe('sidecar-injector CLI', () => {
  it('is an executable Node script, the package bin', () => {
    const bin = readFileSync(resolve(repositoryRoot, 'cli/bin.ts'), 'utf8')
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true)
    const pkg = JSON.parse(readFileSync(resolve(repositoryRoot, 'package.json'), 'utf8'))
    expect(pkg.bin).toEqual({ 'sidecar-injector': 'cli/bin.ts' })
  })

  it('lists every command in its help', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    for (const command of commands) expect(run.stdout).toContain(`  ${command} `)
    expect(run.stdout).toContain('Example:')
  })

  it.each(commands)('%s --help shows usage and an example, exit 0', async (command) => {
    const run = await runCli([command, '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Usage: sidecar-injector ${command}`)
    expect(run.stdout).toMatch(/Example:\n {2}\$ .*sidecar-injector /)
  })

  it('without a command prints the help on stderr and exits 2', async () => {
    const run = await runCli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('Usage: sidecar-injector')
  })

  it.each([
    [['frobnicate'], /^error: unknown command 'frobnicate'$/],
    [['validate'], /^error: missing required argument 'paths'$/],
    [['token', '--cluster', 'a', '--bogus'], /^error: unknown option '--bogus'$/],
    [['validate', 'no/such/file.yaml'], /^error: cannot read no\/such\/file\.yaml \(ENOENT\)$/],
  ])('%j fails with one line on stderr', async (args, message) => {
    const run = await runCli(args)
    expect(run.code).not.toBe(0)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
  })
})
