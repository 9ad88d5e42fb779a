import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess, waitForReadiness } from '../support/relay-process.ts'

// A stand-in for relay/main.ts: JSON logs, a lifecycle port, and a clean exit on SIGTERM.
const STAND_IN = `
import { createServer } from 'node:http'
const args = process.argv.slice(2)
const port = Number(args[args.indexOf('--lifecycle-port') + 1])
let ready = false
createServer((req, res) => {
  if (req.url === '/readyz') res.writeHead(ready ? 200 : 503).end()
  else if (req.url === '/metrics') res.end('relay_pushes_total{outcome="ok"} 3\\n')
  else res.writeHead(404).end()
}).listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ level: 30, msg: 'started', cluster: args[args.indexOf('--cluster') + 1] }))
  console.log('not json')
  setTimeout(() => { ready = true; console.log(JSON.stringify({ level: 30, msg: 'pushed' })) }, 300)
})
process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 30, msg: 'bye' })); process.exit(0) })
`

let dir: string
let entry: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-process-'))
  entry = join(dir, 'stand-in.mjs')
  writeFileSync(entry, STAND_IN)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('startRelayProcess', () => {
  it('passes flags, parses JSON logs, reads readiness and metrics, and stops on SIGTERM', async () => {
    const relay = await startRelayProcess({ flags: { cluster: 'c9' }, entry })
    try {
      expect(await relay.waitForLog((l) => l.msg === 'started', 10_000)).toMatchObject({
        cluster: 'c9',
      })
      await waitForReadiness(relay, true, 10_000)
      expect(relay.logs().map((l) => l.msg)).toEqual(['started', 'pushed'])
      expect(relay.output()).toContain('not json')
      expect((await relay.metrics()).value('relay_pushes_total', { outcome: 'ok' })).toBe(3)
      expect(relay.memory().rssBytes).toBeGreaterThan(0)
      expect(relay.memory().peakBytes).toBeGreaterThanOrEqual(relay.memory().rssBytes)
      expect(await relay.kill('SIGTERM')).toEqual({ code: 0, signal: null })
      expect(relay.logs().at(-1)?.msg).toBe('bye')
    } finally {
      await relay.kill('SIGKILL')
    }
  })

  it('reports a SIGKILL exit', async () => {
    const relay = await startRelayProcess({ flags: {}, entry })
    await relay.waitForLog((l) => l.msg === 'started', 10_000)
    expect(await relay.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await relay.readiness()).toBeUndefined()
  })
})
