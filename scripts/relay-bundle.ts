// The relay as the image ships it: one ESM file with its dependencies, no node_modules.
// `npm run build:relay` writes dist/relay.mjs; the Dockerfile, the benchmark and the end-to-end
// test build it the same way and run it with the same Node flags.
import { resolve } from 'node:path'
import { build } from 'esbuild'

const root = resolve(import.meta.dirname, '..')

/**
 * Node flags of the relay in its image (keep deploy/Dockerfile's ENTRYPOINT in step; a test
 * checks). A 1 MB young generation trades a little GC time for a much smaller resident set.
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1']

/** Default output, relative to the repository root. */
export const RELAY_BUNDLE_PATH = 'dist/relay.mjs'

/** Bundles relay/main.ts into `outfile`; returns its absolute path. */
export async function buildRelayBundle(
  outfile = resolve(root, RELAY_BUNDLE_PATH),
): Promise<string> {
  await build({
    entryPoints: [resolve(root, 'relay/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    keepNames: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // CommonJS dependencies (pino, prom-client) call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __relayRequire } from 'node:module'; const require = __relayRequire(import.meta.url);",
    },
  })
  return outfile
}

if (import.meta.main) {
  const outfile = await buildRelayBundle()
  console.log(`wrote ${outfile}`)
}
