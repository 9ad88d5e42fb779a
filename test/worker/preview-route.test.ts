import { describe, expect, it } from 'vitest'
import type { PreviewResponse } from '../../worker/admission/preview-route.ts'
import { configText, podReview, pushConfigs, testApp, tokensFor } from './harness.ts'

async function preview(app: ReturnType<typeof testApp>['app'], body: unknown) {
  const { sync } = await tokensFor('alpha')
  return app.request('/v1/clusters/alpha/preview', {
    method: 'POST',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

const pod = (request?: string) =>
  (podReview(request).request as { object: Record<string, unknown> }).object

describe('POST /v1/clusters/{cluster}/preview', () => {
  it('shows the decision, the patch and the mutated pod for a Pod, storing nothing', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    const res = await preview(app, pod('logger:v1'))
    expect(res.status).toBe(200)
    const body = (await res.json()) as PreviewResponse
    expect(body.cluster).toBe('alpha')
    expect(body.decision).toMatchObject({ kind: 'inject', configs: ['logger:v1'] })
    expect(body.decision.kind === 'inject' && body.decision.patch.length).toBeGreaterThan(0)
    expect(body.pod).toMatchObject({
      metadata: { annotations: { 'injector.tumblr.com/status': 'injected' } },
      spec: { containers: [{ name: 'app' }, { name: 'logger' }] },
    })
  })

  it('explains a skip: the reason and detail of the decision, the pod unchanged', async () => {
    const { app } = testApp()
    const body = (await (await preview(app, pod('nope:v1'))).json()) as PreviewResponse
    expect(body.decision).toMatchObject({ kind: 'skip', reason: 'missing_config' })
    expect(body.decision.kind === 'skip' && body.decision.detail).toContain('nope:v1')
    expect(body.pod).toEqual(pod('nope:v1'))
  })

  it('takes an AdmissionReview and a Deployment too', async () => {
    const { app } = testApp()
    await pushConfigs(app, 'alpha', [configText('logger:v1')])
    const fromReview = (await (
      await preview(app, podReview('logger:v1'))
    ).json()) as PreviewResponse
    expect(fromReview.decision.kind).toBe('inject')
    const template = pod('logger:v1')
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: { selector: {}, template: { metadata: template.metadata, spec: template.spec } },
    }
    const fromDeployment = (await (await preview(app, deployment)).json()) as PreviewResponse
    expect(fromDeployment.decision.kind).toBe('inject')
    expect(fromDeployment.object).toMatchObject({
      kind: 'Deployment',
      spec: { template: { spec: { containers: [{ name: 'app' }, { name: 'logger' }] } } },
    })
    expect(fromReview.object).toBeUndefined()
  })
})
