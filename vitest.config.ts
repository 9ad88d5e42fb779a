import { fileURLToPath } from 'node:url'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Five projects, in the order `npm test` runs them.
//   unit         pure code and in-process adapters, no child processes: the inner loop
//   cli          the sidecar-injector command: in process through runCli, the real bin
//                spawned a few times, and every command of README.md and docs/
//   worker       the Worker in workerd (@cloudflare/vitest-plugin), real KV
//   integration  processes together: fake API server, relay, wrangler dev, kubectl
//   scenarios    the relay's fault scenarios against one shared Worker, one at a time
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // One module graph per worker instead of one per file: imports (client-node, yaml,
          // fast-check) load once, which halves the run. The tests share no module state; fake
          // timers are installed and removed per test.
          isolate: false,
        },
      },
      {
        test: {
          name: 'cli',
          include: ['test/cli/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        // As wrangler.toml's [alias]: the Worker is tested with the formats it ships with.
        resolve: {
          alias: {
            '@kubernetes-models/validate': fileURLToPath(
              new URL('./shared/schema-formats.ts', import.meta.url),
            ),
          },
        },
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          // Empty KV and no scope object before each test.
          setupFiles: ['test/worker/setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'scenarios',
          include: ['test/scenarios/**/*.test.ts'],
          environment: 'node',
          // One Worker for every scenario (each on its own cluster); token rotation starts its own.
          globalSetup: ['test/support/shared-worker.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each scenario times the relay against deadlines: one at a time, on a quiet machine.
          fileParallelism: false,
        },
      },
    ],
  },
})
