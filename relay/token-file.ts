import { readFileSync, statSync } from 'node:fs'
import { parseTokenText } from '../shared/token-text.ts'

/** The sync token, mounted from a Secret; re-read whenever the file changes. */
export interface TokenFile {
  /** The current token (the last one read successfully). */
  current(): string
}

export interface TokenFileOptions {
  /**
   * Called when a re-read fails or finds no single token; the previous token stays in use. The
   * message describes the file by its shape and never holds its content.
   */
  readonly onError?: (message: string) => void
  /** Called after a changed token was read (never with the token itself). */
  readonly onRotated?: () => void
}

/**
 * Opens the token file; throws when it is missing or does not hold exactly one token (see
 * shared/token-text.ts). Each `current()` stats the file (Secret volumes swap a symlink, so the
 * inode changes) and re-reads it only when it changed, which lets tokens rotate without a restart
 * at the cost of one stat per push.
 */
export function openTokenFile(path: string, options: TokenFileOptions = {}): TokenFile {
  let stamp = stampOf(path)
  const first = readToken(path)
  if (!first.ok) throw new Error(first.message)
  let token = first.token
  return {
    current: () => {
      let next: ReturnType<typeof readToken>
      try {
        const nextStamp = stampOf(path)
        if (nextStamp === stamp) return token
        next = readToken(path)
        stamp = nextStamp
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
        options.onError?.(`cannot read token file ${path} (${code}); keeping the previous token`)
        return token
      }
      if (!next.ok) {
        options.onError?.(`${next.message}; keeping the previous token`)
        return token
      }
      if (next.token !== token) {
        token = next.token
        options.onRotated?.()
      }
      return token
    },
  }
}

function stampOf(path: string): string {
  const stat = statSync(path)
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`
}

function readToken(path: string): { ok: true; token: string } | { ok: false; message: string } {
  const parsed = parseTokenText(readFileSync(path, 'utf8'))
  return parsed.ok ? parsed : { ok: false, message: `token file ${path} ${parsed.problem}` }
}
