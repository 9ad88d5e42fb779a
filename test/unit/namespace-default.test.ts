import { describe, expect, it } from 'vitest'
import { type ClusterFacts, emptyClusterFacts } from '../../shared/cluster-facts.ts'
import { decideAdmission, planAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { applyPatch, config, lookupOf, podRequest } from './engine-support.ts'

const settings = DEFAULT_INJECTION_SETTINGS
const logger = config('name: logger:v1\ncontainers: [{name: logger, image: busybox}]')
const metrics = config('name: metrics:v1\ncontainers: [{name: metrics, image: prom}]')
const lookup = lookupOf(logger, metrics)
const cluster: ClusterFacts = {
  ...emptyClusterFacts('prod-eu'),
  namespaceDefaults: { shop: 'logger:v1', broken: 'a:b:c' },
}

const pod = (annotations: JsonObject): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', annotations },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
})

const containerNames = (object: JsonObject): unknown[] => {
  const spec = object.spec as JsonObject
  return (spec.containers as JsonObject[]).map((c) => c.name)
}

describe('namespace defaults', () => {
  it.each([
    ['a pod without a request in a namespace with a default', 'shop', {}, ['app', 'logger']],
    [
      "the pod's own request over the namespace default",
      'shop',
      { 'injector.tumblr.com/request': 'metrics:v1' },
      ['app', 'metrics'],
    ],
    [
      'an empty request, which is no request',
      'shop',
      { 'injector.tumblr.com/request': ' ' },
      ['app', 'logger'],
    ],
    [
      'an own request that also says inject: "false" (the request is explicit)',
      'shop',
      { 'injector.tumblr.com/request': 'metrics:v1', 'injector.tumblr.com/inject': 'false' },
      ['app', 'metrics'],
    ],
  ])('injects %s', (_, namespace, annotations, containers) => {
    const request = podRequest(pod(annotations), { namespace })
    const decision = decideAdmission(request, settings, lookup, undefined, cluster)
    expect(decision.kind).toBe('inject')
    if (decision.kind !== 'inject') return
    expect(containerNames(applyPatch(pod(annotations), decision.patch))).toEqual(containers)
  })

  it.each([
    ['an opted-out pod', 'shop', { 'injector.tumblr.com/inject': 'false' }, 'opted_out'],
    [
      'an opted-out pod, any case and spaces',
      'shop',
      { 'injector.tumblr.com/inject': ' FALSE ' },
      'opted_out',
    ],
    ['a pod in a namespace without a default', 'apps', {}, 'no_request'],
    [
      'inject: "true" without a default',
      'apps',
      { 'injector.tumblr.com/inject': 'true' },
      'no_request',
    ],
    ['a pod whose namespace default does not parse', 'broken', {}, 'invalid_request'],
    [
      'an already injected pod',
      'shop',
      { 'injector.tumblr.com/status': 'injected' },
      'already_injected',
    ],
  ])('skips %s', (_, namespace, annotations, reason) => {
    const request = podRequest(pod(annotations), { namespace })
    const decision = decideAdmission(request, settings, lookup, undefined, cluster)
    expect(decision.kind === 'skip' && decision.reason).toBe(reason)
  })

  it('names the namespace whose default does not parse', () => {
    const decision = decideAdmission(
      podRequest(pod({}), { namespace: 'broken' }),
      settings,
      lookup,
      undefined,
      cluster,
    )
    expect(decision.kind === 'skip' && decision.detail).toBe(
      'default request of namespace "broken": "a:b:c" has more than one ":"; expected name[:version]',
    )
  })

  it('says the request came from the namespace default', () => {
    const decision = decideAdmission(
      podRequest(pod({}), { namespace: 'shop' }),
      settings,
      lookup,
      undefined,
      cluster,
    )
    expect(decision.notes).toEqual(['request "logger:v1" from namespace default of "shop"'])
    const own = decideAdmission(
      podRequest(pod({ 'injector.tumblr.com/request': 'logger:v1' }), { namespace: 'shop' }),
      settings,
      lookup,
      undefined,
      cluster,
    )
    expect(own.notes).toBeUndefined()
  })

  it('plans without facts as a no_request skip that waits for the namespace, and decides with them', () => {
    const request = podRequest(pod({}), { namespace: 'shop' })
    const plan = planAdmission(request, settings)
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no_request', defaultFor: 'shop' })
    // An opted-out pod needs no facts: nothing to read.
    const optedOut = planAdmission(
      podRequest(pod({ 'injector.tumblr.com/inject': 'false' })),
      settings,
    )
    expect(optedOut).toEqual({
      kind: 'skip',
      reason: 'opted_out',
      detail: 'pod opts out of its namespace\'s default with injector.tumblr.com/inject: "false"',
    })
    expect(decideAdmission(request, settings, lookup, plan).kind).toBe('skip')
    expect(decideAdmission(request, settings, lookup, plan, cluster).kind).toBe('inject')
  })

  it('gives an ignored namespace nothing, default or not', () => {
    const facts = { ...cluster, namespaceDefaults: { 'kube-system': 'logger:v1' } }
    const request = podRequest(pod({}), { namespace: 'kube-system' })
    const decision = decideAdmission(request, settings, lookup, undefined, facts)
    expect(decision.kind === 'skip' && decision.reason).toBe('ignored_namespace')
  })

  it('reports a default naming a missing config as missing_config, with the note', () => {
    const facts = { ...cluster, namespaceDefaults: { shop: 'gone:v1' } }
    const decision = decideAdmission(
      podRequest(pod({}), { namespace: 'shop' }),
      settings,
      lookup,
      undefined,
      facts,
    )
    expect(decision).toMatchObject({
      kind: 'skip',
      reason: 'missing_config',
      notes: ['request "gone:v1" from namespace default of "shop"'],
    })
  })
})
