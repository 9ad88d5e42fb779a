// The relay as the image ships it: one ESM file with its dependencies, no node_modules.
// `npm run build:relay` writes dist/relay.mjs; the Dockerfile, the benchmark and the end-to-end
// test build it the same way and run it with the same Node flags.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const root = resolve(import.meta.dirname, '..')
const resolvePackage = createRequire(import.meta.url).resolve

// Modules the relay imports for a few names, replaced in the bundle by modules with just those
// names. Each whole module would load code the relay never runs, and every module loaded costs
// resident memory for as long as the relay runs (see the idle RSS in `npm run bench:relay`).
const SLIM_MODULES: readonly {
  /** The import specifier as written. */
  readonly specifier: RegExp
  /** The importing file (its path), when only some importers are redirected. */
  readonly importer?: RegExp
  /** Resolves the module's folder, where the replacement's imports resolve. */
  readonly resolveDir: (importer: string) => string
  readonly contents: string
}[] = [
  {
    // KubeConfig imports the generated client's index for createConfiguration and
    // ServerConfiguration (makeApiClient); the index re-exports every generated API and model.
    specifier: /^\.\/gen\/index\.js$/,
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/,
    resolveDir: (importer) => resolve(dirname(importer), 'gen'),
    contents: [
      "export { createConfiguration } from './configuration.js'",
      "export { ServerConfiguration } from './servers.js'",
    ].join('\n'),
  },
  {
    // KubeConfig and the generated client's transport import undici (fetch and its agents) for
    // calls the relay never makes: it reaches the API server through node:https with
    // applyToHTTPSOptions (relay/kube-request.ts). A second HTTP stack would cost about 16 MB
    // of resident memory; should a path that needs it ever run, it fails with this message.
    specifier: /^undici$/,
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]/,
    resolveDir: () => root,
    contents: [
      "const absent = (name) => new Error('undici ' + name + ' is not in the relay bundle; the relay calls the API server through node:https (relay/kube-request.ts)')",
      "export class Agent { constructor() { throw absent('Agent') } }",
      "export class ProxyAgent { constructor() { throw absent('ProxyAgent') } }",
      "export const fetch = () => Promise.reject(absent('fetch'))",
    ].join('\n'),
  },
  {
    // The index also loads default process metrics, the cluster aggregator (node:cluster), the
    // push gateway (http, https, zlib) and summaries; relay/metrics.ts uses these four classes.
    specifier: /^prom-client$/,
    resolveDir: () => resolve(dirname(resolvePackage('prom-client/package.json')), 'lib'),
    contents: [
      "export { default as Registry } from './registry.js'",
      "export { default as Counter } from './counter.js'",
      "export { default as Gauge } from './gauge.js'",
      "export { default as Histogram } from './histogram.js'",
    ].join('\n'),
  },
]

const slimModules: Plugin = {
  name: 'slim-modules',
  setup(plugin) {
    SLIM_MODULES.forEach((slim, index) => {
      plugin.onResolve({ filter: slim.specifier }, (args) => {
        if (slim.importer !== undefined && !slim.importer.test(args.importer)) return undefined
        return {
          path: `${args.path} (slim)`,
          namespace: 'slim-modules',
          pluginData: { index, resolveDir: slim.resolveDir(args.importer) },
        }
      })
    })
    plugin.onLoad({ filter: /.*/, namespace: 'slim-modules' }, (args) => {
      const { index, resolveDir } = args.pluginData as { index: number; resolveDir: string }
      return { resolveDir, contents: SLIM_MODULES[index]?.contents ?? '' }
    })
  },
}

/** The package version, which the relay reports in its status (relay/relay-version.ts). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    version?: unknown
  }
  if (typeof manifest.version !== 'string') throw new Error('package.json has no version')
  return manifest.version
}

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
    // Drops comments too: one non-Latin-1 character in any comment makes V8 hold the whole
    // source as UTF-16, twice its size, for the life of the process.
    minifyWhitespace: true,
    legalComments: 'eof',
    logLevel: 'warning',
    plugins: [slimModules],
    define: { __RELAY_VERSION__: JSON.stringify(packageVersion()) },
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
