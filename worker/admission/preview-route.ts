import type { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { type AdmissionRequest, decodeReview } from '../../shared/admission-review.ts'
import { checkKubernetesVersionText, clusterFactsFrom } from '../../shared/cluster-facts.ts'
import { decideAdmission, planAdmission } from '../../shared/decision.ts'
import { isJsonObject, type JsonObject, type JsonValue } from '../../shared/json.ts'
import { applyPatch } from '../../shared/patch-apply.ts'
import { extractPod, replacePod } from '../../shared/pod-template.ts'
import { buildPreviewRequest } from '../../shared/preview-request.ts'
import type { Decision } from '../../shared/types.ts'
import type { AppDeps, AppEnv } from '../app-env.ts'
import { authorizeCluster, bearerToken } from '../http/cluster-auth.ts'
import { readJsonBody } from '../http/json-body.ts'

/** Body of a 200 answer to `POST /v1/clusters/{cluster}/preview`. */
export interface PreviewResponse {
  readonly cluster: string
  /** The decision exactly as admission would make it, with its reason and warnings. */
  readonly decision: Decision
  /** The Pod after the patch (unchanged when the decision is a skip). */
  readonly pod: JsonObject
  /** The posted Pod or workload with that Pod put back; absent for an AdmissionReview. */
  readonly object?: JsonObject
}

/**
 * `POST /v1/clusters/{cluster}/preview[?kubernetesVersion=v1.29.0]`: a Pod, a workload with a
 * pod template, or an AdmissionReview in; the decision, the patch and the mutated Pod out, for
 * the cluster's facts (the version given instead of the reported one). Nothing is stored.
 */
export function registerPreviewRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  const { settings, reader, auth } = deps
  app.post('/v1/clusters/:cluster/preview', async (c) => {
    const cluster = await authorizeCluster(c, auth, 'sync', bearerToken(c))
    const body = await readJsonBody(c.req.raw, settings.admissionMaxBytes)
    const { request, source } = previewRequest(body)
    const plan = planAdmission(request, settings.injection)
    const version = readVersionQuery(c.req.query('kubernetesVersion'))
    let decision: Decision
    if (plan.kind === 'skip' && plan.defaultFor === undefined) {
      decision = decideAdmission(request, settings.injection, () => undefined, plan)
    } else {
      const refs = plan.kind === 'lookup' ? plan.refs : []
      const lookup = await reader.load(cluster, refs, { kvOps: 0 })
      const stored = clusterFactsFrom(cluster, lookup.facts)
      // `preview --kubernetes-version` asks about a version other than the one reported.
      const facts = version === undefined ? stored : { ...stored, kubernetesVersion: version }
      decision = decideAdmission(request, settings.injection, lookup, plan, facts)
    }
    const before = request.object ?? {}
    const pod = decision.kind === 'inject' ? applyPatch(before, decision.patch) : before
    const response: PreviewResponse = {
      cluster,
      decision,
      pod,
      ...(source === undefined ? {} : { object: replacePod(source, pod) }),
    }
    return c.json(response)
  })
}

function readVersionQuery(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const problem = checkKubernetesVersionText(value)
  if (problem !== undefined) {
    throw new HTTPException(400, { message: `kubernetesVersion: ${problem}` })
  }
  return value
}

function previewRequest(body: unknown): { request: AdmissionRequest; source?: JsonObject } {
  if (!isJsonObject(body as JsonValue)) {
    throw new HTTPException(400, {
      message: 'body must be a JSON object: a Pod, a workload or an AdmissionReview',
    })
  }
  const object = body as JsonObject
  if (object.kind === 'AdmissionReview') return { request: decodeReview(object).request }
  const extracted = extractPod(object)
  if (!extracted.ok) throw new HTTPException(400, { message: extracted.message })
  return { request: buildPreviewRequest(extracted.pod), source: object }
}
