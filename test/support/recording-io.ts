import { webcrypto } from 'node:crypto'
import type { CliIo } from '../../cli/cli-io.ts'

/** A `CliIo` that keeps what the CLI writes, for runs inside the test process. */
export interface RecordingIo {
  readonly io: CliIo
  /** Everything written to stdout so far. */
  stdout(): string
  /** Everything written to stderr so far. */
  stderr(): string
}

/** What the CLI may see of its surroundings; unset parts are empty or the real ones. */
export interface RecordingIoOptions {
  /** The CLI's whole environment (default: empty, like a clean shell). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Default: the real `fetch`, so pushes and remote previews reach a real Worker. */
  readonly fetch?: typeof fetch
  /** Default: Node's Web Crypto, as `cli/bin.ts` uses. */
  readonly subtle?: webcrypto.SubtleCrypto
}

/** Creates an io whose stdout and stderr are strings, with the given env, fetch and subtle. */
export function createRecordingIo(options: RecordingIoOptions = {}): RecordingIo {
  let stdout = ''
  let stderr = ''
  return {
    io: {
      out: (text) => {
        stdout += text
      },
      err: (text) => {
        stderr += text
      },
      env: { ...options.env },
      fetch: options.fetch ?? globalThis.fetch,
      subtle: options.subtle ?? webcrypto.subtle,
    },
    stdout: () => stdout,
    stderr: () => stderr,
  }
}
