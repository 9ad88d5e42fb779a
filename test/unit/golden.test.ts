import { Buffer } from 'node:buffer'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fastJsonPatch, { type Operation } from 'fast-json-patch'
import { Pod } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import { decodeReview, encodeResponse } from '../../shared/admission-review.ts'
import type { ClusterFacts } from '../../shared/cluster-facts.ts'
import { decideAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { applyPatch } from '../../shared/patch-apply.ts'
import type { PatchOp } from '../../shared/types.ts'
import { config, hashedLookupOf } from './engine-support.ts'

// Review in (`<case>.review.json`), response, patch and patched pod out (`<case>.golden.json`).
// After a deliberate change, rewrite the outputs with UPDATE_GOLDEN=1 and review the diff.
const dir = join(import.meta.dirname, '..', 'golden')
const configDir = join(dir, 'configs')
// Hashes as the Worker's lookup tells them: injected pods carry the stamp.
const lookup = hashedLookupOf(
  ...readdirSync(configDir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => config(readFileSync(join(configDir, file), 'utf8'))),
)
// The cluster every case is admitted in: its labels, namespace defaults and reported version.
const cluster: ClusterFacts = {
  name: 'golden',
  labels: { region: 'eu-west-1' },
  kubernetesVersion: 'v1.29.3',
  namespaceDefaults: { shop: 'logger:v1' },
}
const cases = readdirSync(dir)
  .filter((file) => file.endsWith('.review.json'))
  .map((file) => file.slice(0, -'.review.json'.length))

describe('golden reviews', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10)
  })

  it.each(cases)('%s', (name) => {
    const review = decodeReview(JSON.parse(readFileSync(join(dir, `${name}.review.json`), 'utf8')))
    const decision = decideAdmission(
      review.request,
      DEFAULT_INJECTION_SETTINGS,
      lookup,
      undefined,
      cluster,
    )
    const answer = encodeResponse(review, decision)
    const response = answer.response as JsonObject
    const patch: Operation[] =
      typeof response.patch === 'string'
        ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[])
        : []
    const before = review.request.object ?? {}
    // Validating application, as the API server's: a bad path or a missing array fails here.
    const pod = fastJsonPatch.applyPatch(structuredClone(before), patch, true, false).newDocument
    new Pod(pod).validate()
    // The preview route and the CLI apply patches with their own small applier: same result.
    expect(applyPatch(before, patch as PatchOp[])).toEqual(pod)
    const actual = {
      decision:
        decision.kind === 'skip' ? { skip: decision.reason, detail: decision.detail } : 'inject',
      ...(decision.notes === undefined ? {} : { notes: decision.notes }),
      response: {
        ...answer,
        response: { ...response, patch: response.patch === undefined ? undefined : '(below)' },
      },
      patch,
      pod,
    }
    const file = join(dir, `${name}.golden.json`)
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.UPDATE_GOLDEN !== '1')
        throw new Error(`${file} is missing; run with UPDATE_GOLDEN=1`)
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`)
    }
    expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(file, 'utf8')))
    // Injecting the result again changes nothing.
    const again = decideAdmission(
      { ...review.request, object: pod },
      DEFAULT_INJECTION_SETTINGS,
      lookup,
      undefined,
      cluster,
    )
    if (decision.kind === 'inject')
      expect(again).toMatchObject({ kind: 'skip', reason: 'already_injected' })
    else expect(again.kind).toBe('skip')
  })
})
