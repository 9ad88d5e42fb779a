import { readFileSync, statSync } from 'node:fs'

/** The sync token, mounted from a Secret; re-read whenever the file changes. */
export interface TokenFile {
  /** The current token (the last one read successfully). */
  current(): string
}

export interface TokenFileOptions {
  /** Called when a re-read fails or finds an empty file; the previous token stays in use. */
  readonly onError?: (message: string) => void
  /** Called after a changed token was read (never with the token itself). */
  readonly onRotated?: () => void
}

/**
 * Opens the token file; throws when it is missing or empty. Each `current()` stats the file
 * (Secret volumes swap a symlink, so the inode changes) and re-reads it only when it changed,
 * which lets tokens rotate without a restart at the cost of one stat per push.
 */
export function openTokenFile(path: string, options: TokenFileOptions = {}): TokenFile {
  let stamp = stampOf(path)
  let token = readToken(path)
  if (token === '') throw new Error(`token file ${path} is empty`)
  return {
    current: () => {
      let next: string
      try {
        const nextStamp = stampOf(path)
        if (nextStamp === stamp) return token
        next = readToken(path)
        stamp = nextStamp
      } catch (error) {
        options.onError?.(`cannot read token file ${path}: ${(error as Error).message}`)
        return token
      }
      if (next === '') {
        options.onError?.(`token file ${path} is empty; keeping the previous token`)
        return token
      }
      if (next !== token) {
        token = next
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

function readToken(path: string): string {
  return readFileSync(path, 'utf8').trim()
}
