import { afterEach, describe, expect, it } from 'vitest'
import { createConfigMapChurn } from '../support/configmap-churn.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'
import { createSeededRandom } from '../support/seeded-random.ts'

const LABELS = { app: 'k8s-sidecar-injector' }
const fakes: FakeApiServer[] = []

afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.stop()
})

async function run(seed: number, steps: number) {
  const fake = await startFakeApiServer()
  fakes.push(fake)
  const churn = createConfigMapChurn({
    fake,
    namespace: 'sidecars',
    labels: LABELS,
    random: createSeededRandom(seed),
    prefix: 't',
  })
  const ops = Array.from({ length: steps }, () => churn.step())
  return { fake, churn, ops }
}

describe('configmap churn', () => {
  it('replays the same edits from the same seed', async () => {
    const first = await run(3, 120)
    const second = await run(3, 120)
    expect(second.ops).toEqual(first.ops)
    expect(second.churn.expected()).toEqual(first.churn.expected())
  })

  it('exercises creates, updates, deletes, clashes and selector changes', async () => {
    const { ops, churn } = await run(11, 200)
    for (const kind of ['create', 'update', 'delete', 'duplicating', 'relabel', 'unselected']) {
      expect(ops.some((op) => op.includes(kind))).toBe(true)
    }
    expect(churn.departed().size).toBeGreaterThan(0)
  })

  it('expects each valid, unclashed config of a selected ConfigMap, once', async () => {
    const { fake, churn } = await run(7, 200)
    const expected = churn.expected()
    const refs = expected.map((e) => e.ref)
    expect(new Set(refs).size).toBe(refs.length)
    for (const want of expected) {
      const cm = fake.getConfigMap('sidecars', want.source?.name ?? '')
      expect(cm?.metadata).toMatchObject({ labels: LABELS })
      const data = (cm?.data ?? {}) as Record<string, string>
      const text = data[want.source?.key ?? '']
      expect(text).toContain(`value: "${want.revision}"`)
    }
    for (const ref of churn.departed().keys()) expect(refs).not.toContain(ref)
  })

  it('deletes only ConfigMaps whose refs pass the filter', async () => {
    const { churn } = await run(5, 40)
    const before = churn.expected().map((e) => e.ref)
    const target = before[0] ?? ''
    churn.deleteSome(1, (refs) => refs.includes(target))
    expect(churn.expected().map((e) => e.ref)).not.toContain(target)
    expect(churn.departed().has(target)).toBe(true)
  })
})
