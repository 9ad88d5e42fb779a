import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTcpGate, type TcpGate } from '../support/tcp-gate.ts'

let upstream: Server
let gate: TcpGate

beforeEach(async () => {
  upstream = createServer((_, res) => res.end('through'))
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  gate = await startTcpGate(`127.0.0.1:${(upstream.address() as AddressInfo).port}`)
})

afterEach(async () => {
  await gate.stop()
  upstream.closeAllConnections()
  await new Promise<void>((r) => upstream.close(() => r()))
})

const get = (): Promise<string> =>
  fetch(gate.url, { signal: AbortSignal.timeout(2000) }).then((res) => res.text())

describe('tcp gate', () => {
  it('passes traffic while open, resets it while closed, and counts attempts', async () => {
    expect(await get()).toBe('through')
    gate.close()
    const closedAt = Date.now()
    await expect(get()).rejects.toThrow()
    await expect(get()).rejects.toThrow()
    expect(gate.attempts(closedAt)).toBe(2)
    gate.open()
    expect(await get()).toBe('through')
  })
})
