import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { parseClusterName } from '../../shared/cluster-name.ts'
import { fingerprintToken } from '../configs/content-hash.ts'
import type { TokenAuth, TokenKind } from './token-auth.ts'

/** Validates the `:cluster` segment and the token presented for it; returns the cluster name. */
export async function authorizeCluster(
  c: Context,
  auth: TokenAuth,
  kind: TokenKind,
  presented: string | undefined,
): Promise<string> {
  const cluster = clusterParam(c)
  if (await auth.verify(cluster, kind, presented)) return cluster
  // The fingerprint lets an operator match a failing relay to its token without logging it.
  const token = presented === undefined ? 'none' : await fingerprintToken(presented)
  console.warn(JSON.stringify({ event: 'unauthorized', cluster, kind, token }))
  throw unauthorized()
}

/** The route's `:cluster` segment as a valid cluster name, or a 400 naming what is wrong. */
export function clusterParam(c: Context): string {
  const parsed = parseClusterName(c.req.param('cluster') ?? '')
  if (!parsed.ok) throw new HTTPException(400, { message: parsed.message })
  return parsed.name
}

/** Checks the fleet token of a fleet route: the same 401 as any wrong token, cluster tokens included. */
export async function authorizeFleet(c: Context, auth: TokenAuth): Promise<void> {
  const presented = bearerToken(c)
  if (await auth.verifyFleet(presented)) return
  const token = presented === undefined ? 'none' : await fingerprintToken(presented)
  console.warn(JSON.stringify({ event: 'unauthorized', kind: 'fleet', token }))
  throw unauthorized()
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(c: Context): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
  return match?.[1]
}

/** The uniform answer to a missing, wrong or other cluster's token: no hint which. */
export function unauthorized(): HTTPException {
  return new HTTPException(401, { message: 'unauthorized' })
}
