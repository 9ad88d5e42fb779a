import type { Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type {
  PinResponse,
  RevisionDetail,
  RevisionList,
  RollbackRequest,
} from '../../shared/revision-api.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeCluster, bearerToken } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'
import { RELAY_INSTANCE_HEADER, readPusher } from './pusher.ts'
import type { KeptRange, PinOutcome } from './scope-api.ts'

/** A rollback body is one small object; anything larger is not one. */
const ROLLBACK_MAX_BYTES = 1024
const DEFAULT_PAGE = 100
const MAX_PAGE = 1000

/**
 * A scope's history, with its sync token: `GET .../revisions` (newest first),
 * `GET .../revisions/{n}` (diff and configs), `POST .../rollback` (serve an older revision and
 * pin the scope) and `POST .../unpin`.
 */
export function registerRevisionRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { auth, scopes, reader } = deps
  const authorize = (c: Context) => authorizeCluster(c, auth, 'sync', bearerToken(c))

  app.get('/v1/clusters/:cluster/revisions', async (c) => {
    const cluster = await authorize(c)
    const limit = readWhole(c.req.query('limit'), 'limit', MAX_PAGE) ?? DEFAULT_PAGE
    const before = readWhole(c.req.query('before'), 'before', Number.MAX_SAFE_INTEGER)
    const page = await scopes(cluster).revisions(cluster, {
      limit,
      ...(before === undefined ? {} : { before }),
    })
    const list: RevisionList = { cluster, ...page }
    return c.json(list)
  })

  app.get('/v1/clusters/:cluster/revisions/:revision', async (c) => {
    const cluster = await authorize(c)
    const revision = readRevision(c.req.param('revision'), 'revision')
    const found = await scopes(cluster).revision(cluster, revision)
    if (!found.found) throw unknownRevision(cluster, revision, found)
    const detail: RevisionDetail = { cluster, ...found.detail }
    return c.json(detail)
  })

  app.post('/v1/clusters/:cluster/rollback', async (c) => {
    const cluster = await authorize(c)
    const request = decodeRollback(await readJsonBody(c.req.raw, ROLLBACK_MAX_BYTES))
    const pusher = readPusher(c.req.header(RELAY_INSTANCE_HEADER))
    const outcome = await scopes(cluster).rollback(cluster, request.revision, pusher)
    if (!outcome.found) throw unknownRevision(cluster, request.revision, outcome)
    return c.json(pinResponse(cluster, outcome, () => reader.forget(cluster)))
  })

  app.post('/v1/clusters/:cluster/unpin', async (c) => {
    const cluster = await authorize(c)
    const pusher = readPusher(c.req.header(RELAY_INSTANCE_HEADER))
    const outcome = await scopes(cluster).unpin(cluster, pusher)
    if (!outcome.found) throw new Error('unpin found no revision to serve')
    return c.json(pinResponse(cluster, outcome, () => reader.forget(cluster)))
  })
}

function pinResponse(
  cluster: string,
  outcome: Extract<PinOutcome, { found: true }>,
  forget: () => void,
): PinResponse {
  const { found: _found, ...answer } = outcome
  if (answer.changed) forget()
  return { cluster, ...answer }
}

/** Checks the body of `POST .../rollback`; 400 naming the field. */
export function decodeRollback(body: unknown): RollbackRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('body must be a JSON object: {"revision": <number>}')
  }
  if (!Object.hasOwn(body, 'revision')) throw bad('revision: required')
  const { revision } = body as { revision: unknown }
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) {
    throw bad('revision: must be a whole number of 1 or more')
  }
  return { revision }
}

// A revision in the path: digits only, so `1e3` or `0x10` is not read as a number.
function readRevision(text: string | undefined, name: string): number {
  const value = readWhole(text, name, Number.MAX_SAFE_INTEGER)
  if (value === undefined) throw bad(`${name}: required`)
  return value
}

function readWhole(text: string | undefined, name: string, max: number): number | undefined {
  if (text === undefined) return undefined
  const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw bad(`${name}: must be a whole number from 1 to ${max}`)
  }
  return value
}

function unknownRevision(cluster: string, revision: number, kept: KeptRange): HTTPException {
  const range =
    kept.head === 0
      ? 'it has no revisions yet'
      : `it keeps revisions ${kept.oldest} to ${kept.head}`
  return new HTTPException(404, {
    message: `scope "${cluster}" has no revision ${revision}; ${range}`,
  })
}

function bad(message: string): HTTPException {
  return new HTTPException(400, { message })
}
