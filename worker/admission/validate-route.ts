import type { Hono } from 'hono'
import {
  decodeReview,
  encodeValidation,
  type ValidationVerdict,
} from '../../shared/admission-review.ts'
import { SHARED_SCOPE } from '../../shared/cluster-name.ts'
import {
  type CheckedConfig,
  checkConfigMapReview,
  findShadowing,
} from '../../shared/configmap-check.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import type { ReadStats } from '../configs/config-reader.ts'
import { authorizeCluster } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'
import { logValidation } from './admission-log.ts'
import { withDeadline } from './deadline.ts'

/**
 * `POST /v1/validate/{cluster}/{admit token}`: the validating webhook for sidecar ConfigMaps.
 * Refuses, at `kubectl apply`, a ConfigMap holding a config the Worker would reject at ingest,
 * with the messages `sidecar-injector validate` prints; allows a valid one, with a warning for
 * each config that shadows a different one of the same name in `shared`. Writes nothing.
 */
export function registerValidateRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  const { settings, auth, log, now } = deps
  app.post('/v1/validate/:cluster/:token', async (c) => {
    const cost = { startedAt: now(), kvOps: 0 }
    c.set('cost', cost)
    c.set('webhook', 'validate')
    const cluster = await authorizeCluster(c, auth, 'admit', c.req.param('token'))
    c.set('cluster', cluster)
    const review = decodeReview(await readJsonBody(c.req.raw, settings.admissionMaxBytes))
    c.set('review', review)
    const check = checkConfigMapReview(review.request, {
      allowHostAccess: settings.allowHostAccess,
    })
    let verdict: ValidationVerdict
    if (check.kind === 'pass') verdict = { allowed: true, warnings: [] }
    else if (check.kind === 'refuse') verdict = check.verdict
    else {
      const warnings =
        cluster === SHARED_SCOPE || check.configs.length === 0
          ? []
          : await shadowWarnings(deps, cluster, check.label, check.configs, cost)
      verdict = { allowed: true, warnings }
    }
    logValidation(log, settings.admissionLog, {
      cluster,
      request: review.request,
      configMap: check.kind === 'pass' ? '' : check.label,
      verdict,
      problems: check.kind === 'refuse' ? check.problems : 0,
      kvOps: cost.kvOps,
      durationMs: now() - cost.startedAt,
    })
    return c.json(encodeValidation(review, verdict))
  })
}

/**
 * Reads the `shared` scope for the configs' names within the admission deadline. A read that
 * fails or is late only costs the warnings: the configs are valid either way.
 */
async function shadowWarnings(
  deps: AppDeps,
  cluster: string,
  label: string,
  configs: readonly CheckedConfig[],
  stats: ReadStats & { readonly startedAt: number },
): Promise<string[]> {
  const refs = configs.map(({ config }) => ({ name: config.name, version: config.version }))
  const remaining = Math.max(1, deps.settings.admissionDeadlineMs - (deps.now() - stats.startedAt))
  try {
    const shared = await withDeadline(
      deps.reader.load(SHARED_SCOPE, refs, stats),
      remaining,
      'shared config lookup',
    )
    return findShadowing(cluster, label, configs, shared)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return [`could not check the shared scope for configs of the same name: ${detail}`]
  }
}
