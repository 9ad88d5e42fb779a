import { Command, CommanderError } from 'commander'
import { CliError } from './cli-error.ts'
import { type CliIo, trackLineEnd } from './cli-io.ts'
import { registerForgetCommand } from './forget-command.ts'
import { exampleHelp } from './help-example.ts'
import { registerHistoryCommand } from './history-command.ts'
import { registerPreviewCommand } from './preview-command.ts'
import { registerPushCommand } from './push-command.ts'
import { registerRollbackCommand } from './rollback-command.ts'
import { registerStatusCommand } from './status-command.ts'
import { registerTokenCommand } from './token-command.ts'
import { registerUnpinCommand } from './unpin-command.ts'
import { registerValidateCommand } from './validate-command.ts'
import { registerWebhookConfigCommand } from './webhook-config-command.ts'

/** Builds the `sidecar-injector` command tree, writing through `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('sidecar-injector')
    .description(
      'Validate, preview and push sidecar configs; list, roll back and unpin revisions; show the fleet; print tokens and webhook configs.',
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // Commander's messages are already one line; keep them that way.
      outputError: (text, write) => write(`${text.trim()}\n`),
    })
  program.addHelpText(
    'after',
    exampleHelp([
      'sidecar-injector validate examples/configs/',
      'sidecar-injector <command> --help',
    ]),
  )
  registerValidateCommand(program, io)
  registerPreviewCommand(program, io)
  registerPushCommand(program, io)
  registerHistoryCommand(program, io)
  registerRollbackCommand(program, io)
  registerUnpinCommand(program, io)
  registerStatusCommand(program, io)
  registerForgetCommand(program, io)
  registerTokenCommand(program, io)
  registerWebhookConfigCommand(program, io)
  return program
}

/** Runs the CLI on `args` (without node and script) and resolves to the exit code. */
export async function runCli(args: readonly string[], processIo: CliIo): Promise<number> {
  const { io, endLine } = trackLineEnd(processIo)
  const program = createProgram(io)
  if (args.length === 0) {
    program.outputHelp({ error: true })
    return 2
  }
  try {
    await program.parseAsync([...args], { from: 'user' })
    return 0
  } catch (error) {
    // Commander already printed its own message (or the help) before throwing.
    if (error instanceof CommanderError) return error.exitCode
    endLine()
    if (error instanceof CliError) {
      io.err(`error: ${error.message}\n`)
      return error.exitCode
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}
