import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { deriveClusterTokens, deriveFleetToken } from '../../shared/cluster-token.ts'
import { readDoc, readShellBlocks } from '../support/doc-blocks.ts'
import { freePort } from '../support/free-port.ts'

const root = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

let child: ChildProcess | undefined
let dir: string | undefined

afterEach(async () => {
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r))
    process.kill(-child.pid, 'SIGKILL')
    await exited
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Starts `npm start`'s script on its own port, state and vars file; resolves once it is ready. */
async function startDev(port: number, state: string, varsFile: string) {
  const node = join(root, 'node_modules/.bin/node')
  const args = [
    'scripts/dev.ts',
    '--port',
    String(port),
    '--persist-to',
    state,
    '--vars-file',
    varsFile,
  ]
  const proc = spawn(node, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  child = proc
  let output = ''
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const deadline = Date.now() + 100_000
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (proc.exitCode !== null) throw new Error(`dev script exited early:\n${output}`)
    if (Date.now() > deadline) throw new Error(`dev script not ready in time:\n${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return { proc, output: () => output }
}

describe('npm start (scripts/dev.ts)', () => {
  it('creates a secret, loads the examples and prints a curl line that shows the injected patch', async () => {
    dir = mkdtempSync(join(tmpdir(), 'dev-start-'))
    const varsFile = join(dir, 'dev.vars')
    const port = await freePort()
    const { proc, output } = await startDev(port, join(dir, 'state'), varsFile)

    const secret = /^INJECTOR_SECRET=(.+)$/m.exec(readFileSync(varsFile, 'utf8'))?.[1] ?? ''
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const { admit } = await deriveClusterTokens(secret, 'local', crypto.subtle)
    expect(output()).toContain(`http://127.0.0.1:${port}/v1/admit/local/${admit}`)
    expect(output()).toContain('scope shared: base:v1, metrics:v1')
    expect(output()).toContain('scope local: logger:v1')
    expect(output()).not.toContain(secret)

    // Run the printed line as a user would paste it.
    const curl = output()
      .split('\n')
      .find((line) => line.trim().startsWith('curl '))
    expect(curl).toBeDefined()
    const { stdout } = await run('sh', ['-c', curl ?? ''], { cwd: root })
    const response = JSON.parse(stdout) as {
      allowed: boolean
      patch: { op: string; path: string; value: { name?: string } }[]
    }
    expect(response.allowed).toBe(true)
    const added = response.patch
      .filter((op) => op.path === '/spec/containers/-')
      .map((op) => op.value.name)
    expect(added).toEqual(['logger', 'statsd-exporter'])

    // The fleet token and the status command it prints, pasted as printed; then the metrics,
    // which count the admission above (an isolate sends its first count at once).
    const fleet = await deriveFleetToken(secret, crypto.subtle)
    expect(output()).toContain(fleet)
    const shellEnv = {
      ...process.env,
      PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    }
    const statusLine = output()
      .split('\n')
      .find((line) => line.includes('sidecar-injector status'))
    const status = await run('sh', ['-c', statusLine ?? 'false'], { cwd: root, env: shellEnv })
    expect(status.stdout).toBe('no cluster has reported yet\n')
    const metricsLine = output()
      .split('\n')
      .find((line) => line.includes('/v1/fleet/metrics'))
    const metrics = await run('sh', ['-c', metricsLine ?? 'false'], { cwd: root, env: shellEnv })
    expect(metrics.stdout).toContain(
      'sidecar_injector_admissions_total{cluster="local",decision="inject",reason="injected",config="logger:v1"} 1',
    )

    // The README's walkthrough blocks that need this local Worker, run as written but for its
    // port and vars file.
    const blocks = readShellBlocks('README.md', readDoc(root, 'README.md')).filter(
      (block) => block.marker.kind === 'not-run' && /npm start/.test(block.marker.reason),
    )
    expect(blocks).toHaveLength(2)
    const script = blocks
      .map((block) => block.code)
      .join('\n')
      .replaceAll('127.0.0.1:8787', `127.0.0.1:${port}`)
      .replaceAll('.dev.vars', varsFile)
    const walkthrough = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
    })
    expect(walkthrough.stdout).toContain(admit)
    expect(walkthrough.stdout).toMatch(/logger:v1/)
    expect(walkthrough.stdout).toMatch(/inject/i)

    // Ctrl-C reaches wrangler, and the script exits cleanly with it.
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
    if (proc.pid !== undefined) process.kill(proc.pid, 'SIGINT')
    expect(await exited).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
  })
})
