import { expect, it } from 'vitest'
import { startWorker } from '../support/worker-process.ts'

it('starts wrangler dev', async () => {
  const w = await startWorker({ secret: 'x'.repeat(32) })
  try {
    const res = await fetch(`${w.url}/healthz`)
    expect(res.status).toBe(200)
  } finally {
    await w.stop()
  }
})
