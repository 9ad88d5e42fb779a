import type { Context } from 'hono'
import { encodeValidation } from '../../shared/admission-review.ts'
import { redactTokens } from '../../shared/token-text.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { logAdmission, logValidation } from './admission-log.ts'
import { encodeAdmission } from './admission-response.ts'
import { admitUnchanged } from './admit-route.ts'

/**
 * The one failure policy of both webhooks, for an exception once the review was read: the pod
 * is admitted unchanged (`internal_error`), the ConfigMap is allowed unchecked, each with a
 * warning, never a 500 (tumblr: "don't prevent pods from launching"). `undefined` when no
 * review was read, so there is nothing to answer in its terms.
 */
export function answerFailOpen(
  c: Context<AppEnv>,
  deps: AppDeps,
  error: unknown,
): Response | undefined {
  const review = c.get('review')
  if (review === undefined) return undefined
  const cost = c.get('cost')
  const common = {
    cluster: c.get('cluster'),
    request: review.request,
    kvOps: cost.kvOps,
    durationMs: deps.now() - cost.startedAt,
  }
  if (c.get('webhook') === 'validate') {
    logError(c.req.routePath, error)
    const warning = 'sidecar config check skipped: injector error; see the Worker log'
    const verdict = { allowed: true as const, warnings: [warning] }
    // The log sink may be what failed; the answer must not depend on it.
    try {
      logValidation(deps.log, deps.settings.admissionLog, {
        ...common,
        configMap: '',
        verdict,
        problems: 0,
      })
    } catch {}
    return c.json(encodeValidation(review, verdict))
  }
  const decision = admitUnchanged('internal_error', 'injector error', error)
  try {
    logAdmission(deps.log, deps.settings.admissionLog, { ...common, decision })
  } catch {}
  return c.json(encodeAdmission(review, decision))
}

/** Logs an unexpected error by route pattern, not path (a webhook path carries a token). */
export function logError(route: string, error: unknown): void {
  console.error(JSON.stringify({ event: 'error', route, message: redactTokens(String(error)) }))
}
