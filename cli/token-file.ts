import { readFileSync } from 'node:fs'
import { CliError } from './cli-error.ts'

/** Reads a token from a file (surrounding whitespace ignored), naming the flag on failure. */
export function readTokenFile(path: string, flag: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new CliError(`${flag}: cannot read ${path} (${code})`)
  }
  const token = text.trim()
  if (token === '') throw new CliError(`${flag}: ${path} is empty`)
  if (/\s/.test(token)) throw new CliError(`${flag}: ${path} must hold one token on one line`)
  return token
}
