// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are configs' ${cluster.…} text, not templates
import { describe, expect, it } from 'vitest'
import { type ClusterFacts, clusterFactsFrom } from '../../shared/cluster-facts.ts'
import { renderForCluster } from '../../shared/cluster-render.ts'
import { fillTemplate, parseTemplate } from '../../shared/cluster-values.ts'
import { decideAdmission } from '../../shared/decision.ts'
import { DEFAULT_INJECTION_SETTINGS } from '../../shared/injection-settings.ts'
import type { JsonObject } from '../../shared/json.ts'
import { formatConfigIssue, parseSidecarConfig } from '../../shared/sidecar-config.ts'
import { applyPatch, config, lookupOf, podRequest, requestingPod } from './engine-support.ts'

const cluster: ClusterFacts = {
  name: 'prod-eu',
  labels: { region: 'eu-west-1', 'example.com/tier': 'gold' },
  namespaceDefaults: {},
}

/** The text a string of a config becomes in cluster `prod-eu`, or the error. */
function filled(text: string): string {
  const parsed = parseTemplate(text)
  if (!parsed.ok) return `error: ${parsed.message}`
  const result = fillTemplate(parsed.parts, cluster)
  return result.ok ? result.text : `error: ${result.message}`
}

describe('cluster values', () => {
  it.each([
    ['${cluster.name}', 'prod-eu'],
    [
      'tags=cluster:${cluster.name},region:${cluster.labels.region}',
      'tags=cluster:prod-eu,region:eu-west-1',
    ],
    ['${ cluster.name }', 'prod-eu'],
    ['${cluster.labels.example.com/tier}', 'gold'],
    ['no variables', 'no variables'],
    ['', ''],
    ['$${cluster.name}', '${cluster.name}'],
    ['cost: $$${cluster.name}', 'cost: $${cluster.name}'],
    ['$(POD_NAME) and $$(ESCAPED)', '$(POD_NAME) and $$(ESCAPED)'],
    ['${HOME}/logs', '${HOME}/logs'],
    ['${cluster_name}', '${cluster_name}'],
    ['$${HOME}', '${HOME}'],
    ['${cluster.name}${cluster.name}', 'prod-euprod-eu'],
    [
      '${cluster.labels.zone}',
      'error: cluster label "zone" is not set on cluster "prod-eu" (${cluster.labels.zone})',
    ],
    [
      '${cluster.region}',
      'error: unknown variable "${cluster.region}"; the variables are ${cluster.name} and ${cluster.labels.<key>} (write $${ for a literal ${)',
    ],
    [
      '${cluster}',
      'error: unknown variable "${cluster}"; the variables are ${cluster.name} and ${cluster.labels.<key>} (write $${ for a literal ${)',
    ],
    ['${cluster.name', 'error: "${cluster.name" is not closed with "}"'],
    ['${cluster.labels.}', 'error: "${cluster.labels.}": "" is not a label key ([prefix/]name)'],
    [
      '${cluster.labels.-bad}',
      'error: "${cluster.labels.-bad}": "-bad" is not a label key ([prefix/]name)',
    ],
  ])('%j becomes %j', (text, expected) => {
    expect(filled(text)).toBe(expected)
  })

  it.each([
    [
      'containers[0].env[0].value',
      'containers:\n  - name: a\n    image: x\n    env: [{name: C, value: "${cluster.nmae}"}]',
    ],
    [
      'containers[0].args[1]',
      'containers:\n  - name: a\n    image: x\n    args: ["--x", "${cluster.name"]',
    ],
    [
      'containers[0].command[0]',
      'containers:\n  - name: a\n    image: x\n    command: ["${cluster.zone}"]',
    ],
    [
      'initContainers[0].args[0]',
      'initContainers:\n  - name: a\n    image: x\n    args: ["${cluster.labels.}"]',
    ],
    ['env[0].value', 'env: [{name: C, value: "${cluster.id}"}]'],
    ['annotations.example.com/cluster', 'annotations: {example.com/cluster: "${cluster}"}'],
  ])('refuses a bad variable at ingest, at %s', (path, body) => {
    const result = parseSidecarConfig(`name: shipper\n${body}\n`)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues.map(formatConfigIssue)).toEqual([
      expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: `)),
    ])
  })

  const shipper = config(
    [
      'name: shipper:v1',
      'containers:',
      '  - name: shipper',
      '    image: fluent-bit:3.2',
      '    args: ["--tag=${cluster.name}", "--literal=$${cluster.name}", "--pod=$(POD_NAME)"]',
      '    command: ["/bin/sh", "-c", "exec fluent-bit --region ${cluster.labels.region} --home ${HOME}"]',
      '    env:',
      '      - {name: CLUSTER, value: "${cluster.name}"}',
      '      - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}',
      'env: [{name: REGION, value: "${cluster.labels.region}"}]',
      'annotations: {example.com/cluster: "${cluster.name}-${cluster.labels.example.com/tier}"}',
    ].join('\n'),
  )

  it('substitutes env values, args, command and annotations at admission', () => {
    const pod = requestingPod('shipper:v1')
    const decision = decideAdmission(
      podRequest(pod),
      DEFAULT_INJECTION_SETTINGS,
      lookupOf(shipper),
      undefined,
      cluster,
    )
    if (decision.kind !== 'inject') throw new Error(JSON.stringify(decision))
    const patched = applyPatch(pod, decision.patch)
    const spec = patched.spec as JsonObject
    const [app, injected] = spec.containers as JsonObject[]
    expect(injected).toMatchObject({
      args: ['--tag=prod-eu', '--literal=${cluster.name}', '--pod=$(POD_NAME)'],
      command: ['/bin/sh', '-c', 'exec fluent-bit --region eu-west-1 --home ${HOME}'],
      env: [
        { name: 'CLUSTER', value: 'prod-eu' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'REGION', value: 'eu-west-1' },
      ],
    })
    expect(app?.env).toEqual([{ name: 'REGION', value: 'eu-west-1' }])
    expect((patched.metadata as JsonObject).annotations).toMatchObject({
      'example.com/cluster': 'prod-eu-gold',
    })
    // The stored config keeps its variables: the next cluster gets its own values.
    expect(shipper.env[0]?.value).toBe('${cluster.labels.region}')
  })

  it('skips the pod with config_error and a warning naming a label the cluster lacks', () => {
    const facts = { ...cluster, labels: { 'example.com/tier': 'gold' } }
    const decision = decideAdmission(
      podRequest(requestingPod('shipper:v1')),
      DEFAULT_INJECTION_SETTINGS,
      lookupOf(shipper),
      undefined,
      facts,
    )
    expect(decision).toMatchObject({ kind: 'skip', reason: 'config_error' })
    expect(decision.warnings).toEqual([
      'sidecar injection skipped: config "shipper:v1": containers[0].command[2]: cluster label "region" is not set on cluster "prod-eu" (${cluster.labels.region})',
    ])
  })

  it('injects a config without variables the same in every cluster, `${` and $(VAR) as written', () => {
    const plain = config(
      'name: plain\ncontainers: [{name: plain, image: x, args: ["$(A)", "${HOME}"]}]',
    )
    const pod = requestingPod('plain')
    const one = decideAdmission(
      podRequest(pod),
      DEFAULT_INJECTION_SETTINGS,
      lookupOf(plain),
      undefined,
      cluster,
    )
    const other = decideAdmission(
      podRequest(pod),
      DEFAULT_INJECTION_SETTINGS,
      lookupOf(plain),
      undefined,
      { ...cluster, name: 'other' },
    )
    expect(one).toEqual(other)
    expect(one.kind === 'inject' && JSON.stringify(one.patch)).toContain('["$(A)","${HOME}"]')
  })
})

describe('renderForCluster reuse', () => {
  it('renders a config once for facts read from one snapshot, again when they change', () => {
    const tagger = config(
      'name: tagger\ncontainers: [{name: t, image: x, args: ["${cluster.name}"]}]',
    )
    const stored = { labels: { region: 'eu' } }
    const first = renderForCluster(tagger, clusterFactsFrom('a', stored))
    // A new facts object per admission, over the same stored maps: the same rendering.
    expect(renderForCluster(tagger, clusterFactsFrom('a', stored))).toBe(first)
    expect(renderForCluster(tagger, clusterFactsFrom('a', undefined))).not.toBe(first)
    const none = renderForCluster(tagger, clusterFactsFrom('a', {}))
    expect(renderForCluster(tagger, clusterFactsFrom('a', {}))).toBe(none)
    const other = renderForCluster(tagger, clusterFactsFrom('b', {}))
    expect(other.ok && other.config.containers[0]?.args).toEqual(['b'])
    // Clusters taking turns keep their own renderings.
    expect(renderForCluster(tagger, clusterFactsFrom('a', {}))).toBe(none)
  })
})
