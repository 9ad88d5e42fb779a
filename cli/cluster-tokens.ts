import { parseClusterName } from '../shared/cluster-name.ts'
import {
  type ClusterTokens,
  deriveClusterTokens,
  deriveFleetToken,
} from '../shared/cluster-token.ts'
import { CliError } from './cli-error.ts'
import type { CliIo } from './cli-io.ts'

/** Validates `--cluster` with the Worker's own rule. */
export function readCluster(text: string): string {
  const parsed = parseClusterName(text)
  if (!parsed.ok)
    throw new CliError(`--cluster "${text}": ${parsed.message.replace(/^cluster: /, '')}`)
  return parsed.name
}

/** Derives a cluster's tokens from INJECTOR_SECRET in the environment, exactly as the Worker does. */
export async function deriveTokens(cluster: string, io: CliIo): Promise<ClusterTokens> {
  return deriveClusterTokens(readSecret(io), cluster, io.subtle)
}

/** Derives the fleet token from INJECTOR_SECRET in the environment, as the Worker does. */
export async function deriveFleet(io: CliIo): Promise<string> {
  return deriveFleetToken(readSecret(io), io.subtle)
}

function readSecret(io: CliIo): string {
  const secret = io.env.INJECTOR_SECRET
  if (secret === undefined || secret === '') {
    throw new CliError('INJECTOR_SECRET is not set: export the Worker secret to derive tokens')
  }
  // The Worker refuses shorter secrets, so tokens derived from one would never be accepted.
  if (secret.length < 32) throw new CliError('INJECTOR_SECRET: must be at least 32 characters')
  return secret
}
