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

/** An io that remembers whether stdout's last line is complete, and can complete it. */
export interface LineTrackingIo {
  readonly io: CliIo
  /** Writes a newline to stdout if what it printed last does not end with one. */
  readonly endLine: () => void
}

/**
 * Wraps `io` so a summary or an error never lands on the end of an unfinished stdout line, as
 * in `...=trueerror: ...` when both streams share a terminal.
 */
export function trackLineEnd(io: CliIo): LineTrackingIo {
  let open = false
  return {
    io: {
      ...io,
      out: (text) => {
        if (text !== '') open = !text.endsWith('\n')
        io.out(text)
      },
    },
    endLine: () => {
      if (open) io.out('\n')
      open = false
    },
  }
}
