import { inject } from 'vitest'
import type { TestProject } from 'vitest/node'
import { startWorker } from './worker-process.ts'

/** What the tests of a project learn about the Worker they share. */
export interface SharedWorker {
  /** Passed to `startRelayStack`: the Worker's base URL. */
  readonly worker: { readonly url: string }
  /** The secret the Worker derives every cluster's tokens from. */
  readonly secret: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    sharedWorker: SharedWorker
  }
}

const SECRET = 'shared-worker-secret-0123456789abcdef'

/**
 * vitest `globalSetup`: one `wrangler dev` for every file of the project, stopped after the
 * last one, instead of a start-up of several seconds per file. Files keep apart by cluster
 * name. Cached configs live 1 s, so admissions see a push soon after it lands.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const worker = await startWorker({ secret: SECRET, vars: { INJECTOR_CACHE_TTL_SECONDS: '1' } })
  project.provide('sharedWorker', { worker: { url: worker.url }, secret: SECRET })
  return () => worker.stop()
}

/** The Worker the project's `globalSetup` started. */
export function sharedWorker(): SharedWorker {
  return inject('sharedWorker')
}
