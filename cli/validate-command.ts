import type { Command } from 'commander'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { checkConfigs, formatFinding } from './config-set.ts'
import { configMapLabelsOption, readConfigMapLabels } from './configmap-labels.ts'
import { readConfigDocuments } from './document-reader.ts'
import { exampleHelp } from './help-example.ts'

interface ValidateFlags {
  configmapLabels: string[]
  allowHostAccess: boolean
}

/** Adds `validate`: checks sidecar configs offline, as the Worker does at ingest. */
export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .summary('check sidecar config files and ConfigMap manifests')
    .description(
      'Check sidecar configs the way the Worker checks them at ingest: YAML or JSON config files and ' +
        'ConfigMap manifests (each data key is one config), any number of documents per file. ' +
        'Folders are read recursively (.yaml, .yml, .json). Prints `file: path: problem` for each ' +
        'problem and exits 1 when there is any; `note: file: path: ...` lines refuse nothing.',
    )
    .argument('<paths...>', 'files or folders')
    .option(
      '--allow-host-access',
      'accept host access, as a Worker with INJECTOR_ALLOW_HOST_ACCESS=true',
      false,
    )
    .addOption(configMapLabelsOption())
    .addHelpText(
      'after',
      exampleHelp([
        'sidecar-injector validate deploy/relay/',
        'sidecar-injector validate examples/configs/',
      ]),
    )
    .action((paths: string[], flags: ValidateFlags) => {
      const { documents, problems, skipped } = readConfigDocuments(paths, {
        configMapLabels: readConfigMapLabels(flags.configmapLabels),
      })
      if (documents.length === 0 && problems.length === 0) {
        throw new CliError(`no sidecar configs found in ${paths.join(', ')}`)
      }
      const { findings, notes } = checkConfigs(documents, problems, flags)
      // Notes refuse nothing (a number read as a string, as tumblr did): said, never failed on.
      for (const note of notes) io.out(`note: ${formatFinding(note)}\n`)
      for (const finding of findings) io.out(`${formatFinding(finding)}\n`)
      const others =
        skipped.length === 0
          ? ''
          : ` (${skipped.length} other object${skipped.length === 1 ? '' : 's'} skipped)`
      const counted = `${documents.length} config${documents.length === 1 ? '' : 's'} checked${others}`
      if (findings.length === 0) {
        io.out(`${counted}: all valid\n`)
        return
      }
      throw new CliError(
        `${counted}: ${findings.length} problem${findings.length === 1 ? '' : 's'}`,
      )
    })
}
