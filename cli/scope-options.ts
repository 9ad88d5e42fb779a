import type { Command } from 'commander'

/** Adds the options every scope command takes: `--worker`, `--cluster` and `--token-file`. */
export function addScopeOptions(command: Command): Command {
  return command
    .requiredOption('--worker <url>', 'base URL of the Worker')
    .requiredOption('--cluster <name>', 'the scope: a cluster name, or `shared`')
    .option('--token-file <path>', "file holding the scope's sync token (else INJECTOR_SYNC_TOKEN)")
}
