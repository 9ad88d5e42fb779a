import { readFileSync } from 'node:fs'

// Set by the bundle (scripts/relay-bundle.ts, esbuild `define`); absent when run from sources.
declare const __RELAY_VERSION__: string | undefined

/** The relay's version: the package version, fixed at bundle time or read from package.json. */
export function readRelayVersion(): string {
  if (typeof __RELAY_VERSION__ === 'string') return __RELAY_VERSION__
  try {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version?: unknown }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
