import type { CoreV1Event } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import type { InvalidConfig } from '../../relay/desired-set.ts'
import {
  buildProblemEvent,
  createEventReporter,
  formatProblem,
} from '../../relay/event-reporter.ts'

const NOW = new Date('2026-01-02T03:04:05Z')

function problem(key: string, message = 'must be a list', name = 'sidecars'): InvalidConfig {
  return {
    configMap: { namespace: 'ns', name, uid: 'u-1', resourceVersion: '7' },
    key,
    ref: 'logger:v1',
    issues: [{ path: 'containers', message }],
  }
}

function setup(failFirst = false) {
  const posted: CoreV1Event[] = []
  const errors: string[] = []
  let calls = 0
  const reporter = createEventReporter({
    post: async (event) => {
      calls += 1
      if (failFirst && calls === 1) throw new Error('HTTP 403')
      posted.push(event)
    },
    now: () => NOW,
    instance: 'relay-pod',
    onError: (_problem, message) => errors.push(message),
  })
  return { reporter, posted, errors }
}

describe('buildProblemEvent', () => {
  it('is a Warning InvalidSidecarConfig Event on the ConfigMap, naming key and field path', () => {
    expect(buildProblemEvent(problem('logger.yaml'), NOW, 'relay-pod')).toEqual({
      metadata: { generateName: 'sidecars.', namespace: 'ns' },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns',
        name: 'sidecars',
        uid: 'u-1',
        resourceVersion: '7',
      },
      type: 'Warning',
      reason: 'InvalidSidecarConfig',
      message:
        'invalid sidecar config in key "logger.yaml" (logger:v1): containers: must be a list',
      source: { component: 'sidecar-injector-relay' },
      reportingComponent: 'sidecar-injector-relay',
      reportingInstance: 'relay-pod',
      firstTimestamp: NOW,
      lastTimestamp: NOW,
      count: 1,
    })
  })

  it('keeps messages within the 1 KiB the API server accepts', () => {
    expect(formatProblem(problem('k', 'x'.repeat(5000))).length).toBe(1024)
  })
})

describe('createEventReporter', () => {
  it('posts each distinct problem once, however often it is reported', async () => {
    const { reporter, posted } = setup()
    reporter.report('relay', [problem('a'), problem('b')])
    reporter.report('relay', [problem('a'), problem('b')])
    await reporter.idle()
    reporter.report('relay', [problem('a'), problem('b')])
    await reporter.idle()
    expect(posted.map((e) => e.message)).toEqual([
      expect.stringContaining('"a"'),
      expect.stringContaining('"b"'),
    ])
  })

  it('posts again when a fixed problem comes back, or the problem changes', async () => {
    const { reporter, posted } = setup()
    reporter.report('relay', [problem('a')])
    reporter.report('relay', [])
    reporter.report('relay', [problem('a')])
    reporter.report('relay', [problem('a', 'other reason')])
    await reporter.idle()
    expect(posted).toHaveLength(3)
  })

  it('keeps the problems the relay found apart from the ones the Worker returned', async () => {
    const { reporter, posted } = setup()
    reporter.report('relay', [problem('a')])
    reporter.report('worker', [problem('b')])
    reporter.report('relay', [problem('a')])
    await reporter.idle()
    expect(posted).toHaveLength(2)
  })

  it('reports a failed post and carries on with the next', async () => {
    const { reporter, posted, errors } = setup(true)
    reporter.report('relay', [problem('a'), problem('b')])
    await reporter.idle()
    expect(errors).toEqual(['HTTP 403'])
    expect(posted).toHaveLength(1)
  })
})

describe('createEventReporter under a flood', () => {
  it('posts the problems that did not fit its queue on a later report', async () => {
    const { reporter, posted } = setup()
    const problems = Array.from({ length: 250 }, (_, i) => problem(`k${i}.yaml`))
    reporter.report('relay', problems)
    await reporter.idle()
    expect(posted.length).toBeLessThan(250)
    reporter.report('relay', problems)
    await reporter.idle()
    expect(posted).toHaveLength(250)
    expect(new Set(posted.map((event) => event.message)).size).toBe(250)
  })
})
