import { describe, expect, it } from 'vitest'
import type { JsonValue } from '../../shared/json.ts'
import {
  DEFAULT_PARSE_LIMITS,
  formatConfigIssue,
  parseSidecarConfig,
  validateSidecarConfig,
} from '../../shared/sidecar-config.ts'
import { readYamlDocument } from '../../shared/yaml-document.ts'

/** The issues of a config that must be rejected, as `path: message` lines. */
function issuesOf(text: string): string[] {
  const result = parseSidecarConfig(text)
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.issues.map(formatConfigIssue)
}

const FULL = `
name: Logger:V1
inherits: base
containers:
  - name: logger
    image: busybox:1.36
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
    futureField: {kept: true}
initContainers:
  - name: proxy
    image: envoy
    restartPolicy: Always
volumes: [{name: logs, emptyDir: {}}]
volumeMounts: [{name: logs, mountPath: /var/log/app}]
env: [{name: LOG_LEVEL, value: info}, {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: pw}}}]
hostAliases: [{ip: 10.0.0.1, hostnames: [logs.local]}]
hostNetwork: false
hostPID: false
serviceAccountName: logger
imagePullSecrets: [{name: registry}]
annotations: {example.com/team: obs}
labels: {sidecar: logger}
`

describe('parseSidecarConfig', () => {
  it('reads every field and keeps Kubernetes objects verbatim, including unknown fields', () => {
    const result = parseSidecarConfig(FULL)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const { config } = result
    expect(config.name).toBe('logger')
    expect(config.version).toBe('v1')
    expect(config.inherits).toEqual({ name: 'base', version: 'latest' })
    expect(config.containers[0]).toEqual({
      name: 'logger',
      image: 'busybox:1.36',
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      futureField: { kept: true },
    })
    expect(config.initContainers).toHaveLength(1)
    expect(config.volumes).toEqual([{ name: 'logs', emptyDir: {} }])
    expect(config.env.map((e) => e.name)).toEqual(['LOG_LEVEL', 'DB_PASSWORD'])
    expect(config.hostAliases).toEqual([{ ip: '10.0.0.1', hostnames: ['logs.local'] }])
    expect(config.hostNetwork).toBe(false)
    expect(config.serviceAccountName).toBe('logger')
    expect(config.imagePullSecrets).toEqual([{ name: 'registry' }])
    expect(config.annotations).toEqual({ 'example.com/team': 'obs' })
    expect(config.labels).toEqual({ sidecar: 'logger' })
    expect(result.hostAccess).toEqual([])
    expect(result.notes).toEqual([])
  })

  it('reads the same config from JSON', () => {
    const json = JSON.stringify({
      name: 'logger:v1',
      containers: [{ name: 'logger', image: 'busybox' }],
    })
    const result = parseSidecarConfig(json)
    expect(result.ok && result.config.containers).toEqual([{ name: 'logger', image: 'busybox' }])
  })

  it.each([
    ['name: logger', 'logger:latest'],
    ['name: logger:v2', 'logger:v2'],
    ['name: logger\nversion: v3', 'logger:v3'],
    ['name: logger:v3\nversion: V3', 'logger:v3'],
  ])('%j names %s', (text, ref) => {
    const result = parseSidecarConfig(text)
    expect(result.ok && `${result.config.name}:${result.config.version}`).toBe(ref)
  })

  it('lets one container mount a volume at several paths, as Kubernetes does', () => {
    const result = parseSidecarConfig(
      'name: logger\ncontainers: [{name: a, image: x, volumeMounts: [{name: conf, mountPath: /etc/a.conf, subPath: a.conf}, {name: conf, mountPath: /etc/b.conf, subPath: b.conf}]}]',
    )
    expect(result.ok).toBe(true)
  })

  it.each([
    ['containers: []', ['name: required']],
    ['name: a:b:c', ['name: "a:b:c" has more than one ":"; expected name[:version]']],
    ['name: 7', ['name: must be a string']],
    ['name: logger:v1\nversion: v2', ['version: "v2" contradicts the version in name "logger:v1"']],
    ['name: logger\nversion: 1.0', ['version: must be a string (quote numbers: "1.0")']],
    ['name: logger\ncontainres: []', ['containres: unknown field; did you mean containers?']],
    ['name: logger\nvolumeMount: []', ['volumeMount: unknown field; did you mean volumeMounts?']],
    ['name: logger\nenvv: []', ['envv: unknown field; did you mean env?']],
    [
      'name: logger\ninherits: logger',
      ['inherits: a config cannot inherit itself (logger:latest)'],
    ],
    ['name: logger\ncontainers: {}', ['containers: must be a list']],
    ['name: logger\ncontainers: [3]', ['containers[0]: must be an object']],
    [
      'name: logger\ncontainers: [{name: a, image: x}, {image: z}]',
      ['containers[1].name: required'],
    ],
    ['name: logger\ncontainers: [{name: a}]', ['containers[0].image: required']],
    [
      'name: logger\ncontainers: [{name: My_App, image: x}]',
      ['containers[0].name: "My_App" must be a DNS label (a-z, 0-9, "-", at most 63 characters)'],
    ],
    [
      'name: logger\ncontainers: [{name: a, image: x}]\ninitContainers: [{name: a, image: z}]',
      ['initContainers[0].name: "a" is already used by containers[0]'],
    ],
    [
      'name: logger\ncontainers: [{name: a, image: x, env: [{value: "1"}]}]',
      ['containers[0].env[0].name: required'],
    ],
    [
      'name: logger\ncontainers: [{name: a, image: x, volumeMounts: [{mountPath: /x}]}]',
      ['containers[0].volumeMounts[0].name: required'],
    ],
    ['name: logger\nvolumeMounts: [{name: v}]', ['volumeMounts[0].mountPath: required']],
    [
      'name: logger\nvolumeMounts: [{name: v, mountPath: /a}, {name: w, mountPath: /a}]',
      ['volumeMounts[1].mountPath: duplicate mountPath "/a"'],
    ],
    [
      'name: logger\nvolumeMounts: [{name: v, mountPath: /a}, {name: v, mountPath: /b}]',
      ['volumeMounts[1].name: duplicate volumeMount name "v"'],
    ],
    [
      'name: logger\ncontainers: [{name: a, image: x, volumeMounts: [{name: v, mountPath: /a}, {name: w, mountPath: /a}]}]',
      ['containers[0].volumeMounts[1].mountPath: duplicate mountPath "/a"'],
    ],
    [
      'name: logger\nenv: [{name: A, value: "1"}, {name: A, value: "2"}]',
      ['env[1].name: duplicate env name "A"'],
    ],
    ['name: logger\nenv: [{name: A, value: [1]}]', ['env[0].value: must be a string']],
    [
      'name: logger\nvolumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]',
      ['volumes[1].name: duplicate volume name "v"'],
    ],
    ['name: logger\nvolumes: [{emptyDir: {}}]', ['volumes[0].name: required']],
    ['name: logger\nhostNetwork: "yes"', ['hostNetwork: must be true or false']],
    ['name: logger\nhostAliases: [{hostnames: [a]}]', ['hostAliases[0].ip: required']],
    [
      'name: logger\nserviceAccountName: Not_Valid',
      ['serviceAccountName: must be a DNS subdomain name (a-z, 0-9, "-", ".")'],
    ],
    ['name: logger\nimagePullSecrets: [{}]', ['imagePullSecrets[0].name: required']],
    ['name: logger\nlabels: {team: {x: y}}', ['labels.team: must be a string']],
    [
      'name: logger\nlabels: {team: "not valid"}',
      ['labels.team: label value must be at most 63 characters of A-Z, a-z, 0-9, "-", "_", "."'],
    ],
    [
      'name: logger\nannotations: {"bad key!": x}',
      [
        'annotations.bad key!: key must be a qualified name ([prefix/]name, name at most 63 characters)',
      ],
    ],
  ])('%j is rejected with %j', (text, expected) => {
    expect(issuesOf(text)).toEqual(expected)
  })

  it('shows at most 50 issues and counts the rest', () => {
    const env = Array.from({ length: 80 }, () => '{value: x}').join(', ')
    const issues = issuesOf(`name: a\nenv: [${env}]`)
    expect(issues).toHaveLength(51)
    expect(issues[0]).toBe('env[0].name: required')
    expect(issues[50]).toBe('30 more issues not shown')
  })

  it('suggests nothing for a key unlike any field', () => {
    expect(issuesOf('name: logger\nsomethingelse: 1')[0]).toMatch(
      /^somethingelse: unknown field; valid fields are name, version, inherits, containers/,
    )
  })

  it('reports every issue of a config at once, and its ref when the name was readable', () => {
    const result = parseSidecarConfig(
      'name: Logger:V1\ncontainres: []\ncontainers: [{name: a}, {image: b}]',
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.ref).toBe('logger:v1')
    expect(result.issues.map(formatConfigIssue)).toEqual([
      'containres: unknown field; did you mean containers?',
      'containers[0].image: required',
      'containers[1].name: required',
    ])
  })

  describe('YAML 1.1, as Kubernetes and tumblr read it', () => {
    it('reads 0644 as octal, keeps dates and 1:30 as text, and merges <<', () => {
      const result = parseSidecarConfig(`
name: a
volumes:
  - {name: conf, configMap: {name: c, defaultMode: 0644}}
annotations: {released: 2001-12-14, window: 1:30}
containers:
  - &base {name: one, image: busybox, args: [run]}
  - <<: *base
    name: two
`)
      expect(result.ok).toBe(true)
      if (!result.ok) return
      expect(result.config.volumes[0]).toEqual({
        name: 'conf',
        configMap: { name: 'c', defaultMode: 420 },
      })
      expect(result.config.annotations).toEqual({ released: '2001-12-14', window: '1:30' })
      expect(result.config.containers[1]).toEqual({ name: 'two', image: 'busybox', args: ['run'] })
    })

    it('reads yes, on and y as booleans, as kubectl does; a string field gets "true" and a note', () => {
      const result = parseSidecarConfig('name: a\nhostNetwork: yes\nlabels: {enabled: on}')
      expect(result).toMatchObject({
        ok: true,
        config: { hostNetwork: true, labels: { enabled: 'true' } },
        notes: [
          {
            path: 'labels.enabled',
            message:
              'boolean read as the string "true", as tumblr did; quote the value to keep it as written',
          },
        ],
      })
    })

    it('keeps E1 and . as strings, where the yaml package would read NaN', () => {
      const result = parseSidecarConfig('name: a\nenv: [{name: E1, value: .}]')
      expect(result.ok && result.config.env).toEqual([{ name: 'E1', value: '.' }])
    })

    it('refuses a merge of something other than maps', () => {
      expect(issuesOf('name: a\nlabels: {<<: [1]}')).toEqual([
        'labels: "<<" must merge a map or a list of maps',
      ])
    })
  })

  describe('credentials written as literals', () => {
    it.each([
      'DB_PASSWORD',
      'GITHUB_TOKEN',
      'API_KEY',
      'apiKey',
      'AWS_SECRET_ACCESS_KEY',
      'PRIVATE_KEY',
      'CLIENT_SECRET',
      'SMTP_PASSWD',
    ])('%s with a literal value is rejected, pointing at secretKeyRef', (name) => {
      const issues = issuesOf(`name: a\nenv: [{name: ${name}, value: hunter2}]`)
      expect(issues).toEqual([
        `env[0].value: "${name}" looks like a credential written in plain text; use valueFrom.secretKeyRef`,
      ])
    })

    it('checks env inside containers too', () => {
      const issues = issuesOf(
        'name: a\ncontainers: [{name: c, image: i, env: [{name: TOKEN, value: abc}]}]',
      )
      expect(issues[0]).toMatch(
        /^containers\[0\]\.env\[0\]\.value: "TOKEN" looks like a credential/,
      )
    })

    it.each(['TOKEN_PATH', 'SECRET_NAME', 'PASSWORD_FILE', 'LOG_LEVEL', 'KEY'])(
      '%s with a literal value is fine',
      (name) => {
        expect(parseSidecarConfig(`name: a\nenv: [{name: ${name}, value: x}]`).ok).toBe(true)
      },
    )

    it('accepts a credential from a secret and an empty literal', () => {
      const text =
        'name: a\nenv: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: pw}}}, {name: API_TOKEN, value: ""}]'
      expect(parseSidecarConfig(text).ok).toBe(true)
    })
  })

  describe('host access', () => {
    it('reports each kind with its path', () => {
      const result = parseSidecarConfig(`
name: node-agent
containers:
  - name: agent
    image: agent
    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}
initContainers:
  - name: setup
    image: setup
    securityContext: {capabilities: {add: [SYS_ADMIN], drop: [ALL]}}
  - name: calm
    image: calm
    securityContext: {capabilities: {add: []}, privileged: false}
hostNetwork: true
hostPID: true
volumes: [{name: root, hostPath: {path: /}}, {name: tmp, emptyDir: {}}]
`)
      expect(result.ok && result.hostAccess.map(({ kind, path }) => ({ kind, path }))).toEqual([
        { kind: 'privileged', path: 'containers[0].securityContext.privileged' },
        { kind: 'capabilities', path: 'containers[0].securityContext.capabilities.add[0]' },
        { kind: 'capabilities', path: 'initContainers[0].securityContext.capabilities.add[0]' },
        { kind: 'hostNetwork', path: 'hostNetwork' },
        { kind: 'hostPID', path: 'hostPID' },
        { kind: 'hostPath', path: 'volumes[0].hostPath' },
      ])
    })
  })

  describe('untrusted text', () => {
    it.each([
      ['name: a\n__proto__: {polluted: true}', '__proto__: key "__proto__" is not allowed'],
      [
        'name: a\ncontainers: [{name: c, image: i, constructor: x}]',
        'containers[0].constructor: key "constructor" is not allowed',
      ],
      ['name: a\nlabels: {prototype: x}', 'labels.prototype: key "prototype" is not allowed'],
      [
        '{"name": "a", "env": [{"name": "A", "__proto__": {"x": 1}}]}',
        'env[0].__proto__: key "__proto__" is not allowed',
      ],
    ])('%j is rejected: %s', (text, message) => {
      expect(issuesOf(text)).toContain(message)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })

    it('catches own __proto__ keys that JSON.parse creates', () => {
      const value = JSON.parse(
        '{"name": "a", "volumes": [{"name": "v", "emptyDir": {}, "__proto__": {"hostPath": {}}}]}',
      ) as JsonValue
      const result = validateSidecarConfig(value)
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect(result.issues.map(formatConfigIssue)).toEqual([
          'volumes[0].__proto__: key "__proto__" is not allowed',
        ])
      }
      const top = validateSidecarConfig(
        JSON.parse('{"name": "a", "__proto__": {"hostPID": true}}') as JsonValue,
      )
      expect(top.ok === false && top.issues.map(formatConfigIssue)).toEqual([
        '__proto__: key "__proto__" is not allowed',
      ])
    })

    it('rejects a text over the byte limit before parsing it', () => {
      const text = `name: a\nannotations: {note: "${'é'.repeat(600)}"}`
      expect(parseSidecarConfig(text, { maxBytes: 1000 }).ok).toBe(false)
      expect(issuesOf(`name: a\n# ${'x'.repeat(256 * 1024)}`)).toEqual([
        `document is ${256 * 1024 + 10} bytes; the limit is 262144`,
      ])
      expect(parseSidecarConfig(text, { maxBytes: 2000 }).ok).toBe(true)
    })

    it('bounds alias expansion by the size of the result, not by the number of aliases', () => {
      // About 1 KB of text that would expand to 4^12 copies of "xxxxxxxx": refused at the limit.
      const bomb = ['name: a', 'x0: &a0 ["xxxxxxxx"]']
      for (let i = 1; i < 13; i++)
        bomb.push(`x${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`)
      expect(issuesOf(bomb.join('\n'))).toEqual([
        'config is larger than 131072 bytes as JSON (YAML aliases expanded)',
      ])
      // 2,000 aliases of a small value are fine: what counts is what they expand to.
      const many = ['name: a', 'labels: {team: &t obs}', 'annotations:']
      for (let i = 0; i < 2000; i++) many.push(`  a${i}: *t`)
      const accepted = parseSidecarConfig(many.join('\n'))
      expect(accepted.ok && Object.keys(accepted.config.annotations)).toHaveLength(2000)
    })

    it('counts the expanded JSON exactly, so the limit is the size of the stored config', () => {
      const text = 'name: a\nlabels: &l {x: "é\\u0000", "y": "2"}\nannotations: *l\n'
      const read = readYamlDocument(text, { ...DEFAULT_PARSE_LIMITS, maxJsonBytes: 1000 })
      const size = read.ok ? new TextEncoder().encode(JSON.stringify(read.value)).length : 0
      expect(size).toBe(85)
      expect(readYamlDocument(text, { ...DEFAULT_PARSE_LIMITS, maxJsonBytes: size }).ok).toBe(true)
      expect(parseSidecarConfig(text, { maxJsonBytes: size - 1 })).toEqual({
        ok: false,
        issues: [
          { path: '', message: 'config is larger than 84 bytes as JSON (YAML aliases expanded)' },
        ],
      })
    })

    it('reads a map of 40,000 keys in linear time', () => {
      const lines = ['name: a', 'annotations:']
      for (let i = 0; i < 40_000; i++) lines.push(`  k${i}: v`)
      const started = performance.now()
      const read = readYamlDocument(lines.join('\n'), {
        ...DEFAULT_PARSE_LIMITS,
        maxBytes: 1024 * 1024,
        maxJsonBytes: 1024 * 1024,
      })
      expect(read.ok).toBe(true)
      // Quadratic duplicate-key checks took about 25 s here; linear work takes about 1 s.
      expect(performance.now() - started).toBeLessThan(8000)
    })

    it.each([
      ['flow', `name: a\nlabels: ${'['.repeat(70)}${']'.repeat(70)}`],
      [
        'block',
        `name: a\nlabels:\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1`,
      ],
      ['huge flow', `name: a\nlabels: ${'['.repeat(50_000)}${']'.repeat(50_000)}`],
      [
        'flow after an apostrophe',
        `name: a\nx: don't\nlabels: ${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      ],
      ['flow after a # in a scalar', `name: a\nlabels: [a#b, ${'['.repeat(70)}${']'.repeat(70)}]`],
      ['compact block', `name: a\nlabels:\n${'- '.repeat(50_000)}x`],
      [
        'block lists over many lines',
        `name: a\nlabels:\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n')}x`,
      ],
    ])('rejects %s nesting deeper than the limit', (_, text) => {
      expect(issuesOf(text)[0]).toMatch(/nest/)
    })

    it.each([
      ['---\nname: a\n'],
      ['name: a\n---\n'],
      ['name: a\n...\n'],
      ['name: a\nannotations: {team: "it\'s [ok"}'],
    ])('%j is one config', (text) => {
      expect(parseSidecarConfig(text)).toMatchObject({ ok: true, config: { name: 'a' } })
    })

    it.each([
      ['', 'document is empty'],
      ['---\n---\n', 'document is empty'],
      ['# only a comment', 'document is empty'],
      ['name: a\n---\nname: b\n', 'found 2 YAML documents; a config is exactly one document'],
      ['- name: a', 'a config must be a map of fields'],
      ['just text', 'a config must be a map of fields'],
      ['name: a\nname: b', 'invalid YAML: Map keys must be unique at line 2, column 1'],
      [
        'name: a\nlabels: {x: 1, "x": 2}',
        'invalid YAML: Map keys must be unique at line 2, column 16',
      ],
      ['name: [a', /^invalid YAML: .* at line 1, column 9$/],
      [
        'name: a\nlabels: {x: !!binary aGk=}',
        'labels.x: value is not plain JSON data (string, number, boolean or null)',
      ],
      ['name: a\nlabels: {x: .inf}', 'labels.x: number must be finite'],
      ['name: a\nlabels: {[x]: y}', 'labels: map keys must be strings'],
    ])('%j is rejected: %s', (text, message) => {
      const [issue] = issuesOf(text)
      if (typeof message === 'string') expect(issue).toBe(message)
      else expect(issue).toMatch(message)
    })
  })
})
