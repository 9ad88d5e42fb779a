// Every test of the worker project starts from empty storage: no scope object (each holds a
// scope's history and alarm) and an empty CONFIGS namespace, which those objects publish to.
import { reset } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeEach } from 'vitest'

beforeEach(async () => {
  await reset()
  let cursor: string | undefined
  do {
    const page = await env.CONFIGS.list(cursor === undefined ? {} : { cursor })
    await Promise.all(page.keys.map((key) => env.CONFIGS.delete(key.name)))
    cursor = page.list_complete ? undefined : page.cursor
  } while (cursor !== undefined)
})
