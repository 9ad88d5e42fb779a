import type { Operation } from 'fast-json-patch'
import fastJsonPatch from 'fast-json-patch'
import type { JsonObject } from '../../shared/json.ts'
import { podCreateReview } from './pod-review.ts'

/** Where to post AdmissionReviews: `POST /v1/admit/{cluster}/{admitToken}`. */
export interface AdmitTarget {
  readonly workerUrl: string
  readonly cluster: string
  readonly admitToken: string
}

/** The Worker's answer, with the patch applied to the pod it was computed for. */
export interface AdmissionOutcome {
  readonly status: number
  readonly allowed: boolean
  readonly warnings: readonly string[]
  readonly patch: readonly Operation[]
  /** The pod after the patch (the pod unchanged when there was none). */
  readonly pod: JsonObject
}

/** A v1 Pod CREATE review for a pod in `namespace` asking for `request` (e.g. `logger:v1`). */
export function podReview(request: string, namespace = 'apps'): JsonObject {
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace,
      annotations: { 'injector.tumblr.com/request': request },
    },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  }
  return podCreateReview(pod, { uid: crypto.randomUUID(), namespace, name: 'web' })
}

/** Posts the review and applies the returned JSON Patch to its pod. */
export async function admit(target: AdmitTarget, review: JsonObject): Promise<AdmissionOutcome> {
  const url = `${target.workerUrl}/v1/admit/${target.cluster}/${target.admitToken}`
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(review),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`admission answered ${res.status}: ${text}`)
  const body = JSON.parse(text) as {
    response?: { allowed?: boolean; patch?: string; warnings?: string[] }
  }
  const response = body.response ?? {}
  // The patch is base64 of a JSON Patch (admission.k8s.io/v1 AdmissionResponse.patch).
  const patch: Operation[] =
    response.patch === undefined
      ? []
      : (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[])
  const request = review.request as JsonObject
  const pod = structuredClone(request.object as JsonObject)
  const patched = fastJsonPatch.applyPatch(pod, patch, true, false).newDocument
  return {
    status: res.status,
    allowed: response.allowed === true,
    warnings: response.warnings ?? [],
    patch,
    pod: patched,
  }
}

/** The `REVISION` env value of the container `name` in a pod, if that container exists. */
export function containerRevision(pod: JsonObject, name: string): string | undefined {
  const spec = pod.spec as {
    containers?: { name?: string; env?: { name?: string; value?: string }[] }[]
  }
  const container = spec.containers?.find((c) => c.name === name)
  return container?.env?.find((e) => e.name === 'REVISION')?.value
}
