import { describe, expect, it } from 'vitest'
import { type ClusterFacts, emptyClusterFacts } from '../../shared/cluster-facts.ts'
import { decideAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { parseKubernetesVersion } from '../../shared/kubernetes-version.ts'
import { parseSidecarConfig } from '../../shared/sidecar-config.ts'
import { applyPatch, config, lookupOf, podRequest, requestingPod } from './engine-support.ts'

const settings = DEFAULT_INJECTION_SETTINGS
const sidecar = (mode: string): string =>
  `name: mesh:v1\ncontainers:\n  - name: proxy\n    image: envoy:1.31\n${mode === '' ? '' : `    sidecarMode: ${mode}\n`}  - name: helper\n    image: busybox\n`
const clusterAt = (version?: string): ClusterFacts => emptyClusterFacts('prod-eu', version)

/** Where the proxy container ended up in the patched pod, and its restartPolicy. */
function placement(mode: string, version?: string, podSpec: JsonObject = {}) {
  const lookup = lookupOf(config(sidecar(mode)))
  const pod = requestingPod('mesh:v1', podSpec)
  const decision = decideAdmission(podRequest(pod), settings, lookup, undefined, clusterAt(version))
  if (decision.kind !== 'inject') throw new Error(`not injected: ${JSON.stringify(decision)}`)
  const spec = applyPatch(pod, decision.patch).spec as JsonObject
  const inits = (spec.initContainers ?? []) as JsonObject[]
  const containers = spec.containers as JsonObject[]
  const native = inits.find((c) => c.name === 'proxy')
  return {
    where:
      native !== undefined
        ? 'init'
        : containers.some((c) => c.name === 'proxy')
          ? 'containers'
          : 'none',
    restartPolicy: native?.restartPolicy,
    hasModeField: [...inits, ...containers].some((c) => 'sidecarMode' in c),
    inits: inits.map((c) => c.name),
    notes: decision.notes ?? [],
  }
}

describe('sidecar modes', () => {
  it.each([
    ['auto', 'v1.28.9', 'containers', 'auto: Kubernetes v1.28.9 is before 1.29'],
    ['auto', 'v1.29.0', 'init', 'auto: Kubernetes v1.29.0 is 1.29 or later'],
    [
      'auto',
      'v1.30.2-eks-4f4795d',
      'init',
      'auto: Kubernetes v1.30.2-eks-4f4795d is 1.29 or later',
    ],
    ['auto', undefined, 'containers', "auto: the cluster's Kubernetes version is unknown"],
    [
      'auto',
      'banana',
      'containers',
      'auto: Kubernetes version "banana" does not read as major.minor',
    ],
    ['""', 'v1.31.0', 'init', 'auto: Kubernetes v1.31.0 is 1.29 or later'],
    ['native', undefined, 'init', 'sidecarMode: native'],
    ['native', 'v1.27.0', 'init', 'sidecarMode: native'],
    ['classic', 'v1.31.0', 'containers', 'sidecarMode: classic'],
  ])('sidecarMode %s on %s: %s', (mode, version, where, why) => {
    const found = placement(mode, version)
    expect(found.where).toBe(where)
    expect(found.restartPolicy).toBe(where === 'init' ? 'Always' : undefined)
    expect(found.hasModeField).toBe(false)
    const kind =
      where === 'init'
        ? 'native sidecar (init container, restartPolicy: Always)'
        : 'classic container'
    expect(found.notes).toEqual([`container "proxy" of "mesh:v1": ${kind} (${why})`])
  })

  it('leaves unmarked containers alone and says nothing', () => {
    const found = placement('', 'v1.31.0')
    expect(found.where).toBe('containers')
    expect(found.notes).toEqual([])
  })

  it("places a native sidecar before the pod's own init containers, as native sidecars are placed", () => {
    const found = placement('auto', 'v1.29.1', {
      initContainers: [{ name: 'migrate', image: 'busybox' }],
    })
    expect(found.inits).toEqual(['proxy', 'migrate'])
  })

  it('is idempotent: the injected pod asks for nothing more', () => {
    const lookup = lookupOf(config(sidecar('auto')))
    const pod = requestingPod('mesh:v1')
    const facts = clusterAt('v1.30.0')
    const first = decideAdmission(podRequest(pod), settings, lookup, undefined, facts)
    if (first.kind !== 'inject') throw new Error('not injected')
    const again = decideAdmission(
      podRequest(applyPatch(pod, first.patch)),
      settings,
      lookup,
      undefined,
      facts,
    )
    expect(again).toMatchObject({ kind: 'skip', reason: 'already_injected' })
  })

  it.each([
    ['sidecarMode: sometimes', 'containers[0].sidecarMode: must be one of native, classic, auto'],
    ['sidecarMode: 3', 'containers[0].sidecarMode: must be one of native, classic, auto'],
  ])('refuses %s at ingest', (line, issue) => {
    const result = parseSidecarConfig(
      `name: mesh\ncontainers:\n  - name: proxy\n    image: envoy\n    ${line}\n`,
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toContain(issue)
  })

  it('refuses sidecarMode on an init container', () => {
    const result = parseSidecarConfig(
      'name: mesh\ninitContainers:\n  - name: proxy\n    image: envoy\n    sidecarMode: native\n',
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues[0]?.path).toBe('initContainers[0].sidecarMode')
  })
})

describe('parseKubernetesVersion', () => {
  it.each([
    ['v1.29.3', { major: 1, minor: 29 }],
    ['v1.29.0-eks-123', { major: 1, minor: 29 }],
    ['1.30+', { major: 1, minor: 30 }],
    ['v1.28.15-gke.1020000', { major: 1, minor: 28 }],
    ['v1.31.1+k3s1', { major: 1, minor: 31 }],
    [' 1.29 ', { major: 1, minor: 29 }],
    ['1.3', { major: 1, minor: 3 }],
    ['v1', undefined],
    ['1.x', undefined],
    ['', undefined],
    ['latest', undefined],
    ['v1.29abc', undefined],
  ])('%j reads as %j', (text, expected) => {
    expect(parseKubernetesVersion(text)).toEqual(expected)
  })
})
