import { describe, expect, it } from 'vitest'
import { decideAdmission } from '../../shared/decision.ts'
import { parseInjectedAnnotation } from '../../shared/injected-annotation.ts'
import { checkInjectionResult } from '../../shared/injection-check.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { buildPatch } from '../../shared/patch.ts'
import type { ConfigLookup, Decision } from '../../shared/types.ts'
import {
  applyPatch,
  config,
  hashedLookupOf,
  lookupOf,
  podRequest,
  requestingPod,
} from './engine-support.ts'

const STAMP = 'injector.tumblr.com/injected'
const settings = DEFAULT_INJECTION_SETTINGS
const logger = config('name: logger:v1\ncontainers: [{name: logger, image: busybox}]')
const metrics = config(
  'name: metrics:v2\ncontainers: [{name: metrics, image: busybox}]\nannotations: {injector.tumblr.com/injected: "forged"}',
)
const hashed = hashedLookupOf(logger, metrics)
const hashOf = hashed.hashOf ?? (() => undefined)
const short = (ref: string) => (hashOf(ref) ?? '').slice(0, 8)

function injected(pod: JsonObject, lookup: ConfigLookup = hashed) {
  const decision: Decision = decideAdmission(podRequest(pod), settings, lookup)
  if (decision.kind !== 'inject') throw new Error(`not injected: ${JSON.stringify(decision)}`)
  return { decision, after: applyPatch(pod, decision.patch) }
}

const annotationsOf = (pod: JsonObject) =>
  (pod.metadata as { annotations: Record<string, string> }).annotations

describe('the injected stamp on the admission patch', () => {
  it('names each config applied with the first 8 hex of its content hash, in request order', () => {
    const { after } = injected(requestingPod('metrics:v2,logger:v1'))
    const stamp = annotationsOf(after)[STAMP] ?? ''
    expect(stamp).toBe(`metrics:v2@${short('metrics:v2')},logger:v1@${short('logger:v1')}`)
    expect(parseInjectedAnnotation(stamp)).toEqual([
      { config: 'metrics:v2', hash: short('metrics:v2') },
      { config: 'logger:v1', hash: short('logger:v1') },
    ])
    // The status annotation still comes last, and is still `injected`.
    expect(annotationsOf(after)['injector.tumblr.com/status']).toBe('injected')
  })

  it('replaces a stale stamp the pod carried, and a config cannot forge one', () => {
    const pod = requestingPod('metrics:v2')
    annotationsOf(pod)[STAMP] = 'metrics:v2@00000000'
    const { after } = injected(pod)
    expect(annotationsOf(after)[STAMP]).toBe(`metrics:v2@${short('metrics:v2')}`)
  })

  it('stamps a pod that had no annotations object besides the request', () => {
    const pod: JsonObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', annotations: { 'injector.tumblr.com/request': 'logger:v1' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    }
    expect(annotationsOf(injected(pod).after)[STAMP]).toBe(`logger:v1@${short('logger:v1')}`)
  })

  it('passes the safety net, and building again on the stamped pod adds nothing', () => {
    const pod = requestingPod('logger:v1', { containers: [{ name: 'app', image: 'nginx' }] })
    const { decision, after } = injected(pod)
    expect(checkInjectionResult(pod, [logger], decision.patch)).toBeUndefined()
    expect(buildPatch(after, [logger], settings, hashOf).patch).toEqual([])
  })

  it('stamps nothing when the lookup does not know hashes (a preview of local files)', () => {
    const { after } = injected(requestingPod('logger:v1'), lookupOf(logger, metrics))
    expect(annotationsOf(after)[STAMP]).toBeUndefined()
  })
})
