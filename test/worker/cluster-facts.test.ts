// biome-ignore-all lint/suspicious/noTemplateCurlyInString: configs hold ${cluster.…} text, not templates
import { runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { IngestResponse } from '../../shared/ingest-api.ts'
import type { JsonObject } from '../../shared/json.ts'
import {
  admissionOf,
  configText,
  freshKv,
  podReview,
  postReview,
  scopeDirectory,
  scopeStub,
  source,
  testApp,
  tokensFor,
  watchScopeKv,
} from './harness.ts'
import { heartbeat, putStatus } from './fleet-support.ts'

type App = ReturnType<typeof testApp>['app']

/** Pushes configs with the cluster facts a relay sends (none when `cluster` is undefined). */
async function pushWithFacts(
  app: App,
  scope: string,
  configs: readonly string[],
  cluster?: unknown,
): Promise<Response> {
  const { sync } = await tokensFor(scope)
  const body = {
    configs: configs.map((text, i) => ({ text, source: source(`cm-${i}`) })),
    ...(cluster === undefined ? {} : { cluster }),
  }
  return app.request(`/v1/clusters/${scope}/configs`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** The header of the scope's snapshot in KV. */
async function header(scope: string): Promise<JsonObject> {
  const key = `configs/${scope}`
  const text = (await freshKv().get([key], 'text')).get(key) ?? ''
  return JSON.parse(text.slice(0, text.indexOf('\n'))) as JsonObject
}

/** The containers an admission in a new isolate adds, by list. */
async function injected(scope: string, review: JsonObject) {
  const { app, logs } = testApp()
  const admission = await admissionOf(await postReview(app, scope, review))
  const added = (list: string) =>
    admission.patch
      .filter((op) => op.path.startsWith(`/spec/${list}`))
      .flatMap((op) => (Array.isArray(op.value) ? op.value : [op.value]))
      .map((c) => c as JsonObject)
  return { admission, containers: added('containers'), inits: added('initContainers'), logs }
}

const shipper = [
  'name: shipper:v1',
  'containers:',
  '  - name: shipper',
  '    image: fluent-bit:3.2',
  '    sidecarMode: auto',
  '    args: ["--tag=${cluster.name}/${cluster.labels.region}", "--pod=$(POD_NAME)"]',
].join('\n')

describe('cluster facts: push, scope object, KV header, admission', () => {
  it('injects a namespace default into a pod without a request, and says so in the log', async () => {
    const { app } = testApp()
    const res = await pushWithFacts(app, 'alpha', [configText('logger:v1')], {
      labels: { region: 'eu-west-1' },
      namespaceDefaults: { shop: 'logger:v1' },
    })
    expect(res.status).toBe(200)
    expect(await header('alpha')).toMatchObject({
      revision: 1,
      facts: { labels: { region: 'eu-west-1' }, namespaceDefaults: { shop: 'logger:v1' } },
    })
    const inShop = await injected('alpha', podReview(undefined, 'shop'))
    expect(inShop.containers.map((c) => c.name)).toEqual(['logger'])
    expect(inShop.logs[0]).toMatchObject({
      reason: 'injected',
      notes: ['request "logger:v1" from namespace default of "shop"'],
    })
    const elsewhere = await injected('alpha', podReview(undefined, 'apps'))
    expect(elsewhere.admission.patch).toEqual([])
  })

  it('keeps the facts on a push without them, and makes a revision of a change of facts alone', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    const configs = [configText('logger:v1')]
    const facts = { namespaceDefaults: { shop: 'logger:v1' } }
    const first = (await (
      await pushWithFacts(app, 'alpha', configs, facts)
    ).json()) as IngestResponse
    expect(first).toMatchObject({ revision: 1, unchanged: false })
    clock += 1_000
    const kv = await watchScopeKv('alpha')
    // No `cluster`: the stored facts stay, and nothing is written.
    const kept = (await (await pushWithFacts(app, 'alpha', configs)).json()) as IngestResponse
    expect(kept).toMatchObject({ revision: 1, unchanged: true })
    // The same facts again, in another key order: nothing is written either.
    const same = await pushWithFacts(app, 'alpha', configs, { labels: {}, ...facts })
    expect(((await same.json()) as IngestResponse).unchanged).toBe(true)
    expect(kv.puts).toBe(0)
    expect((await injected('alpha', podReview(undefined, 'shop'))).containers).toHaveLength(1)
    // The namespace annotation removed: a revision of its own, published at once.
    const removed = await pushWithFacts(app, 'alpha', configs, { namespaceDefaults: {} })
    expect((await removed.json()) as IngestResponse).toMatchObject({
      revision: 2,
      unchanged: false,
      published: true,
      removed: [],
    })
    expect(kv.puts).toBe(1)
    expect(await header('alpha')).not.toHaveProperty('facts')
    // The history says what the revision changed: no config, the cluster's facts.
    const { sync } = await tokensFor('alpha')
    const history = await app.request('/v1/clusters/alpha/revisions', {
      headers: { authorization: `Bearer ${sync}` },
    })
    const { revisions } = (await history.json()) as { revisions: JsonObject[] }
    expect(revisions).toMatchObject([
      { revision: 2, added: 0, changed: 0, removed: 0, factsChanged: true },
      { revision: 1, added: 1, factsChanged: true },
    ])
    expect((await injected('alpha', podReview(undefined, 'shop'))).admission.patch).toEqual([])
  })

  it('refuses cluster facts pushed to the shared scope', async () => {
    const { app } = testApp()
    const res = await pushWithFacts(app, 'shared', [configText('logger:v1')], {
      labels: { region: 'eu' },
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^cluster: scope "shared" serves the whole fleet/,
    )
    // Nothing was stored.
    expect((await freshKv().get(['configs/shared'], 'text')).get('configs/shared')).toBeNull()
  })

  it.each([
    [{ labels: { region: 'eu west' } }, 'cluster.labels.region: must be a label value'],
    [{ namespaceDefaults: { shop: 'a:b:c' } }, 'cluster.namespaceDefaults.shop: "a:b:c"'],
    [{ zones: [] }, 'cluster.zones: unknown field'],
  ])('answers 400 naming the field for %j', async (cluster, start) => {
    const { app } = testApp()
    const res = await pushWithFacts(app, 'alpha', [configText('logger:v1')], cluster)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error.startsWith(start)).toBe(true)
  })

  it('substitutes cluster values and picks the sidecar mode from the reported version', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    await pushWithFacts(app, 'alpha', [shipper], { labels: { region: 'eu-west-1' } })
    const request = podReview('shipper:v1')
    // No heartbeat yet: the version is unknown, so `auto` is a classic container.
    const unknown = await injected('alpha', request)
    expect(unknown.containers.map((c) => c.args)).toEqual([
      ['--tag=alpha/eu-west-1', '--pod=$(POD_NAME)'],
    ])
    expect(unknown.inits).toEqual([])
    const scopes = scopeDirectory(() => clock)
    clock += 1_000
    const kv = await watchScopeKv('alpha')
    expect(await scopes('alpha').setKubernetesVersion('alpha', 'v1.29.3')).toMatchObject({
      changed: true,
      published: true,
    })
    expect(kv.puts).toBe(1)
    expect(await header('alpha')).toMatchObject({
      revision: 1,
      facts: { kubernetesVersion: 'v1.29.3', labels: { region: 'eu-west-1' } },
    })
    const native = await injected('alpha', request)
    expect(native.containers).toEqual([])
    expect(native.inits.map((c) => [c.name, c.restartPolicy])).toEqual([['shipper', 'Always']])
    expect(native.logs[0]?.notes).toEqual([
      'container "shipper" of "shipper:v1": native sidecar (init container, restartPolicy: Always) (auto: Kubernetes v1.29.3 is 1.29 or later)',
    ])
    // The same version again writes nothing.
    clock += 1_000
    expect(await scopes('alpha').setKubernetesVersion('alpha', 'v1.29.3')).toMatchObject({
      changed: false,
    })
    expect(kv.puts).toBe(1)
    // A downgrade report (1.28) republishes, and `auto` goes back to a classic container.
    expect(await scopes('alpha').setKubernetesVersion('alpha', 'v1.28.9')).toMatchObject({
      changed: true,
    })
    expect(kv.puts).toBe(2)
    expect((await injected('alpha', request)).inits).toEqual([])
  })

  it('takes the version from the relay’s heartbeat; a heartbeat without one keeps it', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    await pushWithFacts(app, 'alpha', [shipper], { labels: { region: 'eu-west-1' } })
    const request = podReview('shipper:v1')
    const beat = async (kubernetesVersion?: string) => {
      clock += 1_000
      const body = heartbeat(kubernetesVersion === undefined ? {} : { kubernetesVersion })
      if (kubernetesVersion === undefined)
        delete (body as { kubernetesVersion?: string }).kubernetesVersion
      expect((await putStatus(app, 'alpha', body)).status).toBe(200)
    }
    await beat('v1.29.3')
    expect((await header('alpha')).facts).toMatchObject({ kubernetesVersion: 'v1.29.3' })
    expect((await injected('alpha', request)).inits.map((c) => c.restartPolicy)).toEqual(['Always'])
    // The relay could not read /version this time: pods keep the mode they had.
    await beat()
    expect((await header('alpha')).facts).toMatchObject({ kubernetesVersion: 'v1.29.3' })
    await beat('v1.28.9')
    const classic = await injected('alpha', request)
    expect(classic.inits).toEqual([])
    expect(classic.containers.map((c) => c.name)).toEqual(['shipper'])
  })

  it('skips with config_error when a label the config uses is missing', async () => {
    const { app } = testApp()
    await pushWithFacts(app, 'alpha', [shipper], { labels: { zone: 'a' } })
    const { admission, logs } = await injected('alpha', podReview('shipper:v1'))
    expect(admission.patch).toEqual([])
    expect(admission.warnings.join('\n')).toContain('cluster label "region" is not set')
    expect(logs[0]).toMatchObject({ reason: 'config_error' })
  })

  it('records a version for a scope never pushed to, and serves it in an empty snapshot', async () => {
    const scopes = scopeDirectory()
    expect(await scopes('beta').setKubernetesVersion('beta', '1.30+')).toMatchObject({
      changed: true,
      published: true,
    })
    expect(await header('beta')).toMatchObject({
      revision: 0,
      entries: {},
      facts: { kubernetesVersion: '1.30+' },
    })
  })

  it('reads snapshot values written before facts', async () => {
    await freshKv().put(
      'configs/alpha',
      `${JSON.stringify({ format: 2, scope: 'alpha', writtenAt: new Date(0).toISOString(), entries: {} })}\n`,
    )
    const { admission, logs } = await injected('alpha', podReview(undefined, 'shop'))
    expect(admission.allowed).toBe(true)
    expect(logs[0]).toMatchObject({ reason: 'no_request', kvOps: 1 })
  })
})

describe('cluster facts over time', () => {
  it("publishes a version reported within KV's write gap by alarm, with the served revision", async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    await pushWithFacts(app, 'alpha', [configText('logger:v1')], { labels: { region: 'eu' } })
    clock += 100
    const scopes = scopeDirectory(() => clock)
    expect(await scopes('alpha').setKubernetesVersion('alpha', 'v1.31.0')).toMatchObject({
      changed: true,
      published: false,
    })
    expect(await header('alpha')).not.toHaveProperty('facts.kubernetesVersion')
    clock += 1_000
    expect(await runDurableObjectAlarm(scopeStub('alpha'))).toBe(true)
    expect(await header('alpha')).toMatchObject({
      revision: 1,
      facts: { labels: { region: 'eu' }, kubernetesVersion: 'v1.31.0' },
    })
  })

  it('rolls back the defaults with the configs, and keeps the reported version', async () => {
    let clock = 1_700_000_000_000
    const { app } = testApp({ now: () => clock })
    const configs = [configText('logger:v1')]
    await pushWithFacts(app, 'alpha', configs, { namespaceDefaults: { shop: 'logger:v1' } })
    clock += 1_000
    await scopeDirectory(() => clock)('alpha').setKubernetesVersion('alpha', 'v1.29.1')
    clock += 1_000
    await pushWithFacts(app, 'alpha', configs, { namespaceDefaults: { cart: 'logger:v1' } })
    clock += 1_000
    const { sync } = await tokensFor('alpha')
    const res = await app.request('/v1/clusters/alpha/rollback', {
      method: 'POST',
      headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revision: 1 }),
    })
    expect(await res.json()).toMatchObject({ servedRevision: 3, changed: true, pinned: true })
    expect(await header('alpha')).toMatchObject({
      revision: 3,
      facts: { namespaceDefaults: { shop: 'logger:v1' }, kubernetesVersion: 'v1.29.1' },
    })
  })

  it('refuses a version text too long to be one, keeping the stored one', async () => {
    const scopes = scopeDirectory()
    await scopes('alpha').setKubernetesVersion('alpha', 'v1.29.0')
    expect(await scopes('alpha').setKubernetesVersion('alpha', 'v'.repeat(65))).toMatchObject({
      changed: false,
      refused: 'kubernetesVersion: must be 1 to 64 characters',
    })
    expect(await header('alpha')).toMatchObject({ facts: { kubernetesVersion: 'v1.29.0' } })
    expect(await scopes('shared').setKubernetesVersion('shared', 'v1.29.0')).toMatchObject({
      changed: false,
      refused: 'kubernetesVersion: scope "shared" is no cluster',
    })
  })
})

describe('preview with a Kubernetes version', () => {
  async function preview(app: App, query: string, body: unknown) {
    const { sync } = await tokensFor('alpha')
    return app.request(`/v1/clusters/alpha/preview${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sync}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  }
  const pod = (podReview('shipper:v1').request as { object: JsonObject }).object

  it.each([
    ['?kubernetesVersion=v1.28.3', 'classic container (auto: Kubernetes v1.28.3 is before 1.29)'],
    ['?kubernetesVersion=v1.29.0-eks-123', 'native sidecar'],
    ['', "classic container (auto: the cluster's Kubernetes version is unknown)"],
  ])('%s: the decision for that version, with its reason', async (query, note) => {
    const { app } = testApp()
    await pushWithFacts(app, 'alpha', [shipper], { labels: { region: 'eu' } })
    const res = await preview(app, query, pod)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { decision: { kind: string; notes?: string[] } }
    expect(body.decision.kind).toBe('inject')
    expect(body.decision.notes?.[0]).toContain(note)
  })

  it('answers 400 for a version text too long to be one', async () => {
    const { app } = testApp()
    const res = await preview(app, `?kubernetesVersion=${'9'.repeat(65)}`, pod)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe(
      'kubernetesVersion: must be 1 to 64 characters',
    )
  })
})
