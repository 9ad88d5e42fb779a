import { describe, expect, it } from 'vitest'
import { decideAdmission, planAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import type { Decision, InjectionSettings } from '../../shared/types.ts'
import { applyPatch, config, lookupOf, podRequest, requestingPod } from './engine-support.ts'

const settings = DEFAULT_INJECTION_SETTINGS
const logger = config(
  'name: logger:v1\ncontainers: [{name: logger, image: busybox}]\nenv: [{name: LOG, value: "1"}]',
)
const metrics = config(
  'name: metrics\ncontainers: [{name: metrics, image: prom}]\nenv: [{name: LOG, value: "1"}]',
)
const noisy = config(
  'name: noisy\ncontainers: [{name: noisy, image: x}]\nenv: [{name: LOG, value: "2"}]',
)
const twin = config('name: twin\ncontainers: [{name: logger, image: other}]')
const appClash = config('name: clash\ncontainers: [{name: app, image: other}]')
const orphan = config('name: orphan\ninherits: gone\ncontainers: [{name: orphan, image: x}]')
const privileged = config(
  'name: agent\ncontainers: [{name: agent, image: a, securityContext: {privileged: true}}]',
)
const lookup = lookupOf(logger, metrics, noisy, twin, appClash, orphan, privileged)

const withAnnotations = (annotations: JsonObject): JsonObject => ({
  metadata: { annotations },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
})

describe('planAdmission', () => {
  it.each([
    ['UPDATE', podRequest(requestingPod('logger:v1'), { operation: 'UPDATE' }), 'not_create'],
    [
      'a Deployment',
      podRequest(requestingPod('logger:v1'), {
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      }),
      'not_pod',
    ],
    [
      'a v2 Pod',
      podRequest(requestingPod('logger:v1'), { kind: { group: '', version: 'v2', kind: 'Pod' } }),
      'not_pod',
    ],
    ['a request without an object', podRequest({}, { object: undefined }), 'invalid_request'],
    [
      'kube-system',
      podRequest(requestingPod('logger:v1'), { namespace: 'kube-system' }),
      'ignored_namespace',
    ],
    [
      'kube-public',
      podRequest(requestingPod('logger:v1'), { namespace: 'kube-public' }),
      'ignored_namespace',
    ],
    [
      'kube-system from metadata when the request has none',
      podRequest(
        {
          ...requestingPod('logger:v1'),
          metadata: {
            namespace: 'kube-system',
            annotations: { 'injector.tumblr.com/request': 'logger' },
          },
        },
        { namespace: undefined },
      ),
      'ignored_namespace',
    ],
    [
      'status injected',
      podRequest(
        withAnnotations({
          'injector.tumblr.com/request': 'logger',
          'injector.tumblr.com/status': 'injected',
        }),
      ),
      'already_injected',
    ],
    [
      'status Injected (any case)',
      podRequest(
        withAnnotations({
          'injector.tumblr.com/request': 'logger',
          'injector.tumblr.com/status': ' INJECTED ',
        }),
      ),
      'already_injected',
    ],
    ['no annotations', podRequest({ spec: { containers: [] } }), 'no_request'],
    [
      'an empty request',
      podRequest(withAnnotations({ 'injector.tumblr.com/request': ' ' })),
      'no_request',
    ],
    [
      'another prefix',
      podRequest(withAnnotations({ 'sidecar.example.com/request': 'logger' })),
      'no_request',
    ],
    ['a bad name', podRequest(requestingPod('a:b:c')), 'invalid_request'],
    ['an empty entry', podRequest(requestingPod('logger,,metrics')), 'invalid_request'],
    [
      'more than 16 configs',
      podRequest(requestingPod(Array.from({ length: 17 }, (_, i) => `c${i}`).join(','))),
      'invalid_request',
    ],
  ])('skips %s', (_, request, reason) => {
    const plan = planAdmission(request, settings)
    expect(plan.kind === 'skip' && plan.reason).toBe(reason)
  })

  it('uses the request namespace over metadata (controllers leave metadata empty)', () => {
    const pod = requestingPod('logger')
    expect(planAdmission(podRequest(pod, { namespace: 'apps' }), settings).kind).toBe('lookup')
    const custom: InjectionSettings = { ...settings, ignoredNamespaces: ['apps'] }
    expect(planAdmission(podRequest(pod, { namespace: 'apps' }), custom).kind).toBe('skip')
  })

  it('lists the requested configs in order, canonical and without repeats', () => {
    const plan = planAdmission(
      podRequest(requestingPod(' Logger:v1 , metrics,logger:V1')),
      settings,
    )
    expect(plan).toEqual({
      kind: 'lookup',
      refs: [
        { name: 'logger', version: 'v1' },
        { name: 'metrics', version: 'latest' },
      ],
    })
  })

  it('reads the annotation namespace from the settings', () => {
    const custom: InjectionSettings = { ...settings, annotationNamespace: 'sidecar.example.com' }
    const request = podRequest(withAnnotations({ 'sidecar.example.com/request': 'logger' }))
    expect(planAdmission(request, custom).kind).toBe('lookup')
    expect(planAdmission(request, settings).kind).toBe('skip')
  })

  it('names the bad entry', () => {
    const plan = planAdmission(podRequest(requestingPod('logger, a:b:c')), settings)
    expect(plan.kind === 'skip' && plan.detail).toBe(
      'annotation injector.tumblr.com/request: "a:b:c" has more than one ":"; expected name[:version]',
    )
  })
})

describe('decideAdmission', () => {
  const decide = (
    request: string,
    spec?: JsonObject,
    custom: InjectionSettings = settings,
  ): Decision => decideAdmission(podRequest(requestingPod(request, spec)), custom, lookup)

  it('injects one config into one patch that applies', () => {
    const decision = decide('logger:v1')
    expect(decision.kind).toBe('inject')
    if (decision.kind !== 'inject') return
    expect(decision.configs).toEqual(['logger:v1'])
    expect(decision.warnings).toEqual([])
    const pod = applyPatch(requestingPod('logger:v1'), decision.patch)
    const spec = pod.spec as { containers: { name: string }[] }
    expect(spec.containers.map((c) => c.name)).toEqual(['app', 'logger'])
  })

  it('applies several configs in order into one patch', () => {
    const decision = decide('logger:v1, metrics')
    expect(decision.kind === 'inject' && decision.configs).toEqual(['logger:v1', 'metrics:latest'])
    if (decision.kind !== 'inject') return
    const pod = applyPatch(requestingPod(''), decision.patch)
    const spec = pod.spec as { containers: { name: string; env: unknown[] }[] }
    expect(spec.containers.map((c) => c.name)).toEqual(['app', 'logger', 'metrics'])
    expect(spec.containers.map((c) => c.env)).toEqual([
      [{ name: 'LOG', value: '1' }],
      [{ name: 'LOG', value: '1' }],
      [{ name: 'LOG', value: '1' }],
    ])
  })

  it('skips an unknown config with a warning naming it', () => {
    const decision = decide('logger:v1, ghost:v9')
    expect(decision).toEqual({
      kind: 'skip',
      reason: 'missing_config',
      detail: 'sidecar config "ghost:v9" not found',
      warnings: ['sidecar config "ghost:v9" not found; pod admitted without injection'],
    })
  })

  it('reports a conflict between configs instead of resolving it', () => {
    const decision = decide('logger:v1, noisy')
    expect(decision.kind === 'skip' && decision.reason).toBe('conflict')
    expect(decision.warnings).toEqual([
      'sidecar injection skipped: configs "logger:v1" and "noisy:latest" define env "LOG" differently',
    ])
    const same = decide('logger:v1, twin')
    expect(same.kind === 'skip' && same.reason).toBe('conflict')
    expect(same.warnings[0]).toContain('both define container "logger"')
  })

  it('skips a config whose container name the pod already uses, with a warning', () => {
    const decision = decide('clash')
    expect(decision).toMatchObject({ kind: 'skip', reason: 'name_clash' })
    expect(decision.warnings).toEqual([
      'config "clash:latest" not injected: the pod already has a container named "app"',
    ])
  })

  it('still injects the other configs when one clashes', () => {
    const decision = decide('clash, logger:v1')
    expect(decision.kind === 'inject' && decision.configs).toEqual(['logger:v1'])
    expect(decision.warnings).toEqual([
      'config "clash:latest" not injected: the pod already has a container named "app"',
    ])
  })

  it('skips a config whose parent is missing, naming the chain', () => {
    const decision = decide('orphan')
    expect(decision.kind === 'skip' && decision.reason).toBe('config_error')
    expect(decision.warnings).toEqual([
      'sidecar injection skipped: config "orphan:latest": config "gone:latest" not found (inherited through orphan:latest -> gone:latest)',
    ])
  })

  it('refuses host access only when the settings say so', () => {
    expect(decide('agent').kind).toBe('inject')
    expect(decide('agent', undefined, { ...settings, allowHostAccess: true }).kind).toBe('inject')
    const refused = decide('agent', undefined, { ...settings, allowHostAccess: false })
    expect(refused.kind === 'skip' && refused.reason).toBe('config_error')
    expect(refused.warnings[0]).toContain('containers[0].securityContext.privileged')
  })

  it('skips the injected pod when it comes back', () => {
    const first = decide('logger:v1')
    if (first.kind !== 'inject') throw new Error('expected an injection')
    const injected = applyPatch(requestingPod('logger:v1'), first.patch)
    const second = decideAdmission(podRequest(injected), settings, lookup)
    expect(second.kind === 'skip' && second.reason).toBe('already_injected')
  })

  it('does not read configs for a pod that asks for none', () => {
    let reads = 0
    const counting = (ref: Parameters<typeof lookup>[0]) => {
      reads++
      return lookup(ref)
    }
    const decision = decideAdmission(podRequest({ spec: { containers: [] } }), settings, counting)
    expect(decision.kind === 'skip' && decision.reason).toBe('no_request')
    expect(reads).toBe(0)
  })
})
