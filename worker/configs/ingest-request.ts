import { HTTPException } from 'hono/http-exception'
import { checkClusterFactsPush } from '../../shared/cluster-facts.ts'
import type { ConfigSource, IngestEntry, IngestRequest } from '../../shared/ingest-api.ts'

/** Checks the shape of a `PUT /v1/clusters/{cluster}/configs` body; 400 naming the first bad field. */
export function decodeIngestRequest(body: unknown): IngestRequest {
  if (!isRecord(body)) throw bad('body must be a JSON object with a "configs" list')
  if (!Array.isArray(body.configs)) throw bad('configs: must be a list')
  const configs: IngestEntry[] = body.configs.map((entry: unknown, i: number) => {
    const path = `configs[${i}]`
    if (!isRecord(entry)) throw bad(`${path}: must be an object with text and source`)
    if (typeof entry.text !== 'string') throw bad(`${path}.text: must be a string`)
    return { text: entry.text, source: decodeSource(entry.source, `${path}.source`) }
  })
  if (body.cluster === undefined) return { configs }
  const cluster = checkClusterFactsPush(body.cluster)
  if (!cluster.ok) throw bad(cluster.message)
  return { configs, cluster: cluster.facts }
}

function decodeSource(value: unknown, path: string): ConfigSource {
  if (!isRecord(value)) throw bad(`${path}: must be an object`)
  if (value.kind === 'ConfigMap') {
    const text = (field: string): string => {
      const v = value[field]
      if (typeof v !== 'string' || v === '')
        throw bad(`${path}.${field}: must be a non-empty string`)
      return v
    }
    const rv = value.resourceVersion
    if (rv !== undefined && typeof rv !== 'string') {
      throw bad(`${path}.resourceVersion: must be a string`)
    }
    return {
      kind: 'ConfigMap',
      namespace: text('namespace'),
      name: text('name'),
      key: text('key'),
      ...(rv === undefined ? {} : { resourceVersion: rv }),
    }
  }
  if (value.kind === 'File') {
    if (typeof value.path !== 'string' || value.path === '') {
      throw bad(`${path}.path: must be a non-empty string`)
    }
    const doc = value.document
    if (doc !== undefined && (typeof doc !== 'number' || !Number.isInteger(doc) || doc < 0)) {
      throw bad(`${path}.document: must be a whole number`)
    }
    return { kind: 'File', path: value.path, ...(doc === undefined ? {} : { document: doc }) }
  }
  throw bad(`${path}.kind: must be "ConfigMap" or "File"`)
}

function bad(message: string): HTTPException {
  return new HTTPException(400, { message })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
