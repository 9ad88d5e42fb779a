import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'
import { readTokenFile, readTokenText } from './token-file.ts'

/** The fleet token of `--token-file`, else of INJECTOR_FLEET_TOKEN. */
export function readFleetToken(tokenFile: string | undefined, io: CliIo): string {
  if (tokenFile !== undefined) return readTokenFile(tokenFile, '--token-file')
  const text = io.env.INJECTOR_FLEET_TOKEN
  if (text === undefined || text.trim() === '') {
    throw new CliError(
      'no fleet token: pass --token-file or set INJECTOR_FLEET_TOKEN (sidecar-injector token --fleet)',
    )
  }
  return readTokenText(text, 'INJECTOR_FLEET_TOKEN')
}
