import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { extractPod, replacePod } from '../../shared/pod-template.ts'

const template = {
  metadata: { labels: { app: 'web' }, annotations: { 'injector.tumblr.com/request': 'logger' } },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
}
const workload = (apiVersion: string, kind: string, spec: JsonObject): JsonObject => ({
  apiVersion,
  kind,
  metadata: { name: 'web', namespace: 'shop' },
  spec,
})

const workloads: [string, JsonObject][] = [
  ['Deployment', workload('apps/v1', 'Deployment', { replicas: 2, template })],
  ['StatefulSet', workload('apps/v1', 'StatefulSet', { serviceName: 'web', template })],
  ['DaemonSet', workload('apps/v1', 'DaemonSet', { template })],
  ['ReplicaSet', workload('apps/v1', 'ReplicaSet', { template })],
  ['Job', workload('batch/v1', 'Job', { backoffLimit: 1, template })],
  [
    'CronJob',
    workload('batch/v1', 'CronJob', { schedule: '* * * * *', jobTemplate: { spec: { template } } }),
  ],
]

describe('extractPod / replacePod', () => {
  it.each(workloads)('%s: its template becomes a Pod in the workload namespace', (_, object) => {
    const result = extractPod(object)
    expect(result).toEqual({
      ok: true,
      kind: object.kind,
      pod: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata, namespace: 'shop', generateName: 'web-' },
        spec: template.spec,
      },
    })
  })

  it.each(workloads)('%s: replacing the unchanged Pod gives back the same object', (_, object) => {
    const result = extractPod(object)
    if (!result.ok) throw new Error(result.message)
    expect(replacePod(object, result.pod)).toEqual(object)
  })

  it.each(workloads)(
    '%s: a mutated Pod lands in the template, nothing else changes',
    (_, object) => {
      const result = extractPod(object)
      if (!result.ok) throw new Error(result.message)
      const metadata = result.pod.metadata as JsonObject
      const mutated: JsonObject = {
        ...result.pod,
        metadata: { ...metadata, annotations: { injected: 'yes' } },
        spec: { containers: [{ name: 'web' }, { name: 'sidecar' }] },
      }
      const replaced = replacePod(object, mutated)
      const again = extractPod(replaced)
      expect(again.ok && again.pod).toEqual(mutated)
      expect(replaced.metadata).toEqual(object.metadata)
      expect(JSON.stringify(replaced)).not.toContain('generateName')
    },
  )

  it('passes a Pod through unchanged', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }
    expect(extractPod(pod)).toEqual({ ok: true, kind: 'Pod', pod })
    expect(replacePod(pod, { ...pod, spec: {} })).toEqual({ ...pod, spec: {} })
  })

  it.each([
    [{ kind: 'Pod' }, 'apiVersion and kind are required'],
    [
      { apiVersion: 'v1', kind: 'Service' },
      'v1 Service is not supported; expected one of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob',
    ],
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', spec: {} },
      'Deployment has no pod template at spec.template.spec',
    ],
    [
      { apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate: {} } },
      'CronJob has no pod template at spec.jobTemplate.spec.template.spec',
    ],
  ] as [JsonObject, string][])('%j is refused: %s', (object, message) => {
    expect(extractPod(object)).toEqual({ ok: false, message })
  })
})
