import { readFileSync } from 'node:fs'
import { parseTokenText } from '../shared/token-text.ts'
import { CliError } from './cli-error.ts'

/**
 * Reads one token from a file (surrounding whitespace ignored), naming the flag on failure. The
 * message describes a bad file by its shape and never prints what it holds.
 */
export function readTokenFile(path: string, flag: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new CliError(`${flag}: cannot read ${path} (${code})`)
  }
  return readTokenText(text, `${flag}: ${path}`)
}

/** Reads one token from a variable's value or a file's content; `what` starts the message. */
export function readTokenText(text: string, what: string): string {
  const parsed = parseTokenText(text)
  if (!parsed.ok) throw new CliError(`${what} ${parsed.problem}`)
  return parsed.token
}
