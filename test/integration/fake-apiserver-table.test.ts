import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { humanDuration } from '../support/fake-apiserver/human-duration.ts'
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.ts'

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

describe('humanDuration', () => {
  it.each([
    [-5_000, '<invalid>'],
    [-1_000, '0s'],
    [0, '0s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3_600_000, '3h'],
    [3 * 3_600_000 + 5 * 60_000, '3h5m'],
    [47 * 3_600_000, '47h'],
    [50 * 3_600_000, '2d2h'],
    [30 * 86_400_000, '30d'],
    [3 * 365 * 86_400_000, '3y'],
    [(3 * 365 + 4) * 86_400_000, '3y4d'],
    [9 * 365 * 86_400_000, '9y'],
  ])('%i ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text)
  })
})

describe('server-side printing', () => {
  let api: FakeApiServer
  beforeAll(async () => {
    api = await startFakeApiServer()
    api.createConfigMap({ namespace: 'ns', name: 'a', data: { one: '1', two: '2' } })
  })
  afterAll(() => api.stop())

  it('answers Accept as=Table with a meta.k8s.io/v1 Table of PartialObjectMetadata rows', async () => {
    const res = await fetch(`${api.url}/api/v1/namespaces/ns/configmaps`, {
      headers: { accept: TABLE_ACCEPT },
    })
    const table = (await res.json()) as {
      kind: string
      apiVersion: string
      metadata: { resourceVersion: string }
      columnDefinitions: { name: string }[]
      rows: { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[]
    }
    expect(table.kind).toBe('Table')
    expect(table.apiVersion).toBe('meta.k8s.io/v1')
    expect(table.metadata.resourceVersion).toBe(api.resourceVersion())
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Data', 'Age'])
    expect(table.rows[0]?.cells.slice(0, 2)).toEqual(['a', 2])
    expect(table.rows[0]?.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'a' },
    })
  })

  it('keeps plain JSON for clients that do not ask for a Table', async () => {
    const res = await fetch(`${api.url}/api/v1/namespaces/ns/configmaps/a`, {
      headers: { accept: 'application/json, */*' },
    })
    expect(((await res.json()) as { kind: string }).kind).toBe('ConfigMap')
  })
})
