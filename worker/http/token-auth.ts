import {
  type ClusterTokens,
  deriveClusterTokens,
  deriveFleetToken,
  equalsConstantTime,
} from '../../shared/cluster-token.ts'

/** Which of a cluster's tokens a route needs. */
export type TokenKind = keyof ClusterTokens

/** Checks presented tokens against the ones derived from the current and previous secret. */
export interface TokenAuth {
  verify(cluster: string, kind: TokenKind, presented: string | undefined): Promise<boolean>
  /** The fleet token: every cluster's status and the metrics. No cluster token passes it. */
  verifyFleet(presented: string | undefined): Promise<boolean>
}

// Derivation is two HMACs per secret; a warm isolate keeps them for the clusters it serves.
const MAX_CACHED_CLUSTERS = 1000

/** Builds the token check for `secrets` (current first); `cluster` must already be validated. */
export function createTokenAuth(secrets: readonly string[]): TokenAuth {
  const derived = new Map<string, Promise<ClusterTokens[]>>()
  const tokensOf = (cluster: string): Promise<ClusterTokens[]> => {
    let tokens = derived.get(cluster)
    if (tokens === undefined) {
      tokens = Promise.all(secrets.map((s) => deriveClusterTokens(s, cluster, crypto.subtle)))
      if (derived.size >= MAX_CACHED_CLUSTERS) derived.clear()
      derived.set(cluster, tokens)
    }
    return tokens
  }
  let fleet: Promise<string[]> | undefined
  return {
    async verifyFleet(presented) {
      if (presented === undefined || presented === '') return false
      fleet ??= Promise.all(secrets.map((s) => deriveFleetToken(s, crypto.subtle)))
      return matchesAny(await fleet, presented)
    },
    async verify(cluster, kind, presented) {
      if (presented === undefined || presented === '') return false
      return matchesAny(
        (await tokensOf(cluster)).map((tokens) => tokens[kind]),
        presented,
      )
    },
  }
}

// Compares with every secret's token, so timing does not tell which one matched.
function matchesAny(tokens: readonly string[], presented: string): boolean {
  let match = false
  for (const token of tokens) if (equalsConstantTime(token, presented)) match = true
  return match
}
