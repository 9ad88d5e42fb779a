import type { Context, Hono } from 'hono'
import { decodeReview } from '../../shared/admission-review.ts'
import { clusterFactsFrom } from '../../shared/cluster-facts.ts'
import { decideAdmission, planAdmission } from '../../shared/decision.ts'
import { formatSidecarRef } from '../../shared/sidecar-ref.ts'
import type { FailOpenReason } from '../../shared/skip-reason.ts'
import type { Decision } from '../../shared/types.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeCluster } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'
import { logAdmission } from './admission-log.ts'
import { encodeAdmissionReply } from './admission-response.ts'
import { withDeadline } from './deadline.ts'

/** `POST /v1/admit/{cluster}/{token}`: AdmissionReview in, AdmissionReview out, no side effects. */
export function registerAdmitRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  const { settings, reader, auth, log, now, admissions } = deps
  app.post('/v1/admit/:cluster/:token', async (c) => {
    const cost = { startedAt: now(), kvOps: 0 }
    c.set('cost', cost)
    const cluster = await authorizeCluster(c, auth, 'admit', c.req.param('token'))
    c.set('cluster', cluster)
    const review = decodeReview(await readJsonBody(c.req.raw, settings.admissionMaxBytes))
    c.set('review', review)
    const { request } = review
    const plan = planAdmission(request, settings.injection)
    let decision: Decision
    if (plan.kind === 'skip' && plan.defaultFor === undefined) {
      // Decided without configs: the lookup is never called, so this costs no KV operation.
      decision = decideAdmission(request, settings.injection, () => undefined, plan)
    } else {
      // A pod without a request of its own reads its cluster's namespace defaults, which come
      // with the snapshots. A warm isolate answers from memory: no KV call, no deadline timer.
      const refs = plan.kind === 'lookup' ? plan.refs : []
      let lookup = reader.cached(cluster, refs)
      let failure: unknown
      if (lookup === undefined) {
        const remaining = Math.max(1, settings.admissionDeadlineMs - (now() - cost.startedAt))
        try {
          const loading = reader.load(cluster, refs, cost)
          lookup = await withDeadline(loading, remaining, 'config lookup')
        } catch (error) {
          failure = error
        }
      }
      decision =
        lookup === undefined
          ? admitUnchanged('lookup_failed', 'config lookup failed', failure)
          : decideAdmission(
              request,
              settings.injection,
              lookup,
              plan,
              clusterFactsFrom(cluster, lookup.facts),
            )
    }
    const reply = encodeAdmissionReply(review, decision)
    // Counted in memory; a send to the fleet object, when due, outlives the response unawaited.
    const final = reply.decision
    admissions.record(
      cluster,
      final.kind,
      final.kind === 'inject' ? 'injected' : final.reason,
      final.kind === 'inject'
        ? final.configs
        : plan.kind === 'lookup'
          ? plan.refs.map(formatSidecarRef)
          : [],
    )
    admissions.flush(waitUntilOf(c))
    logAdmission(log, settings.admissionLog, {
      cluster,
      request,
      decision: reply.decision,
      kvOps: cost.kvOps,
      durationMs: now() - cost.startedAt,
    })
    return c.body(reply.text, 200, { 'content-type': 'application/json' })
  })
}

/** The request's `waitUntil`, when it has an execution context (tests may call the app without). */
function waitUntilOf(c: Context): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx
    return (promise) => ctx.waitUntil(promise)
  } catch {
    return undefined
  }
}

/**
 * A pod must not wait on, or fail because of, the injector: admit it unchanged and say why.
 * `reason` tells a KV failure or timeout (`lookup_failed`) from the Worker's own fault.
 */
export function admitUnchanged(reason: FailOpenReason, what: string, error: unknown): Decision {
  const detail = `${what}: ${error instanceof Error ? error.message : String(error)}`
  return { kind: 'skip', reason, detail, warnings: [`sidecar injection skipped, ${detail}`] }
}
