import { describe, expect, it } from 'vitest'
import {
  type AdmissionRequest,
  decodeReview,
  encodeValidation,
} from '../../shared/admission-review.ts'
import {
  type CheckedConfig,
  checkConfigMapReview,
  findShadowing,
  MAX_LISTED_PROBLEMS,
} from '../../shared/configmap-check.ts'
import { configMapReview } from '../support/configmap-review.ts'
import { config, lookupOf } from './engine-support.ts'

const LOGGER = 'name: logger:v1\ncontainers:\n  - name: logger\n    image: busybox:1.36\n'
const METRICS = 'name: metrics\ncontainers:\n  - name: metrics\n    image: prom/statsd-exporter\n'
const HOST = 'name: netdebug\nhostNetwork: true\ncontainers:\n  - name: d\n    image: busybox\n'

function requestOf(options: Parameters<typeof configMapReview>[0]): AdmissionRequest {
  return decodeReview(configMapReview(options)).request
}

function check(options: Parameters<typeof configMapReview>[0], allowHostAccess = false) {
  return checkConfigMapReview(requestOf(options), { allowHostAccess })
}

describe('checkConfigMapReview', () => {
  it.each(['v1', 'v1beta1'] as const)(
    'accepts valid configs in an AdmissionReview %s',
    (version) => {
      const result = check({ version, data: { 'logger.yaml': LOGGER, 'metrics.yaml': METRICS } })
      expect(result.kind).toBe('valid')
      if (result.kind !== 'valid') return
      expect(result.label).toBe('sidecars/logging')
      expect(result.configs.map(({ ref, key }) => [ref, key])).toEqual([
        ['logger:v1', 'logger.yaml'],
        ['metrics:latest', 'metrics.yaml'],
      ])
    },
  )

  it.each(['UPDATE', 'CREATE'] as const)('checks a %s', (operation) => {
    expect(check({ operation, data: { bad: 'name: a\ncontaners: []\n' } }).kind).toBe('refuse')
  })

  it.each([
    [
      'a DELETE',
      { operation: 'DELETE', data: { bad: 'nonsense: [' } },
      'operation DELETE is not checked',
    ],
    ['a CONNECT', { operation: 'CONNECT' }, 'operation CONNECT is not checked'],
  ] as const)('lets %s pass unchecked', (_, options, detail) => {
    expect(check(options)).toEqual({ kind: 'pass', detail })
  })

  it('lets another kind pass unchecked', () => {
    const request = requestOf({ data: { bad: 'x' } })
    const pod = { ...request, kind: { group: '', version: 'v1', kind: 'Pod' } }
    expect(checkConfigMapReview(pod, { allowHostAccess: false })).toEqual({
      kind: 'pass',
      detail: 'object is Pod, not a v1 ConfigMap',
    })
  })

  it('accepts a ConfigMap without data: it holds no config', () => {
    expect(check({ data: {} })).toEqual({ kind: 'valid', label: 'sidecars/logging', configs: [] })
  })

  it.each([
    [
      'an unknown field',
      { 'a.yaml': 'name: a\ncontaners:\n  - name: a\n' },
      ['sidecars/logging:a.yaml: contaners: unknown field; did you mean containers?'],
    ],
    [
      'a name with two colons',
      { 'a.yaml': 'name: a:b:c\n' },
      ['sidecars/logging:a.yaml: name: "a:b:c" has more than one ":"; expected name[:version]'],
    ],
    [
      'a string where an integer belongs',
      {
        'a.yaml':
          'name: a\ncontainers:\n  - name: a\n    image: busybox\n    ports: [{containerPort: "8080"}]\n',
      },
      ['sidecars/logging:a.yaml: containers[0].ports[0].containerPort: must be an integer'],
    ],
    [
      'host access',
      { 'net.yaml': HOST },
      [
        'sidecars/logging:net.yaml: hostNetwork: the node network (hostNetwork) is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true',
      ],
    ],
    [
      'one name:version under two keys',
      { 'a.yaml': LOGGER, 'b.yaml': LOGGER },
      [
        'sidecars/logging:a.yaml: name: duplicate logger:v1: also defined in ConfigMap sidecars/logging key b.yaml',
        'sidecars/logging:b.yaml: name: duplicate logger:v1: also defined in ConfigMap sidecars/logging key a.yaml',
      ],
    ],
  ])('refuses %s with 422 and the messages of validate', (_, data, lines) => {
    const result = check({ data: { 'ok.yaml': METRICS, ...data } })
    const count = `${lines.length} problem${lines.length === 1 ? '' : 's'}`
    expect(result).toEqual({
      kind: 'refuse',
      label: 'sidecars/logging',
      problems: lines.length,
      verdict: {
        allowed: false,
        code: 422,
        message: [`invalid sidecar config (${count}):`, ...lines].join('\n'),
        warnings: [],
      },
    })
  })

  it('accepts host access when the Worker allows it', () => {
    expect(check({ data: { 'net.yaml': HOST } }, true).kind).toBe('valid')
  })

  it(`lists at most ${MAX_LISTED_PROBLEMS} problems and counts the rest`, () => {
    const data = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`c${i}.yaml`, `name: c${i}\ncontaners: []\n`]),
    )
    const result = check({ data })
    if (result.kind !== 'refuse' || result.verdict.allowed) throw new Error('expected a refusal')
    const lines = result.verdict.message.split('\n')
    expect(lines[0]).toBe('invalid sidecar config (25 problems):')
    expect(lines).toHaveLength(1 + MAX_LISTED_PROBLEMS + 1)
    expect(lines.at(-1)).toBe('... and 5 more (sidecar-injector validate lists them all)')
  })

  const { object, ...withoutObject } = requestOf({ data: {} })
  it.each([
    ['no object on CREATE', withoutObject, '', 'request.object: a ConfigMap is required'],
    [
      'data that is not a map',
      { ...withoutObject, object: { ...object, data: ['x'] } },
      'sidecars/logging',
      'ConfigMap sidecars/logging: data must be a map',
    ],
  ])('refuses %s with 400', (_, request, label, message) => {
    expect(checkConfigMapReview(request, { allowHostAccess: false })).toEqual({
      kind: 'refuse',
      label,
      problems: 1,
      verdict: { allowed: false, code: 400, message, warnings: [] },
    })
  })
})

describe('findShadowing', () => {
  const checked = (text: string, key: string): CheckedConfig => {
    const parsed = config(text)
    return { ref: `${parsed.name}:${parsed.version}`, key, config: parsed }
  }
  const mine = checked(LOGGER, 'logger.yaml')

  it.each([
    [
      'warns when shared holds a different config of the same name',
      lookupOf(config(LOGGER.replace('busybox:1.36', 'busybox:1.37'))),
      [
        'config "logger:v1" (sidecars/logging:logger.yaml) shadows the shared config "logger:v1": pods of cluster prod-eu get this one',
      ],
    ],
    ['says nothing when shared holds the same config', lookupOf(config(LOGGER)), []],
    [
      'says nothing when shared holds another version',
      lookupOf(config(LOGGER.replace(':v1', ':v2'))),
      [],
    ],
    ['says nothing when shared is empty', lookupOf(), []],
  ])('%s', (_, shared, warnings) => {
    expect(findShadowing('prod-eu', 'sidecars/logging', [mine], shared)).toEqual(warnings)
  })
})

describe('encodeValidation', () => {
  it.each(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const)(
    'answers %s in its own version with status and warnings',
    (apiVersion) => {
      const review = decodeReview(
        configMapReview({ version: apiVersion.endsWith('beta1') ? 'v1beta1' : 'v1' }),
      )
      expect(
        encodeValidation(review, { allowed: false, code: 422, message: 'bad', warnings: ['w'] }),
      ).toEqual({
        apiVersion,
        kind: 'AdmissionReview',
        response: {
          uid: review.request.uid,
          allowed: false,
          status: { code: 422, message: 'bad' },
          warnings: ['w'],
        },
      })
      expect(encodeValidation(review, { allowed: true, warnings: [] })).toEqual({
        apiVersion,
        kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: true },
      })
    },
  )

  it('cuts warnings at the 256 characters Kubernetes keeps', () => {
    const review = decodeReview(configMapReview({}))
    const answer = encodeValidation(review, { allowed: true, warnings: ['x'.repeat(300)] })
    const warnings = (answer.response as { warnings: string[] }).warnings
    expect(warnings[0]).toHaveLength(256)
    expect(warnings[0]?.endsWith('...')).toBe(true)
  })
})
