import { webcrypto } from 'node:crypto'

/** What commands touch outside themselves, so the composition root decides where output goes. */
export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly fetch: typeof fetch
  readonly subtle: webcrypto.SubtleCrypto
}

/** The real process: stdout, stderr, environment, network and Web Crypto. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    fetch: globalThis.fetch,
    subtle: webcrypto.subtle,
  }
}
