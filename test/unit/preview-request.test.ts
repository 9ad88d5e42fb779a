import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { buildPreviewRequest } from '../../shared/preview-request.ts'

const pod = (metadata: JsonObject): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata,
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
})

describe('buildPreviewRequest', () => {
  it('is the v1 Pod CREATE the API server would send, with the name and namespace of the Pod', () => {
    const object = pod({ name: 'web', namespace: 'shop' })
    expect(buildPreviewRequest(object)).toEqual({
      uid: 'preview',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'shop',
      name: 'web',
      object,
    })
  })

  it.each([
    ['the given namespace over the Pod’s', { namespace: 'shop' }, 'ops', 'ops'],
    ['default for a Pod without one', {}, undefined, 'default'],
    ['default for a namespace that is not a string', { namespace: 7 }, undefined, 'default'],
  ])('takes %s', (_case, metadata, namespace, expected) => {
    expect(buildPreviewRequest(pod(metadata), namespace).namespace).toBe(expected)
  })

  it('leaves out the name of a pod template, which has none', () => {
    expect(buildPreviewRequest(pod({ labels: { app: 'web' } }))).not.toHaveProperty('name')
  })
})
