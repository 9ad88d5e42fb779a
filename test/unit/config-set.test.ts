import { describe, expect, it } from 'vitest'
import { checkConfigSet } from '../../shared/config-set.ts'
import type { ConfigSource, IngestEntry } from '../../shared/ingest-api.ts'
import { ParseBudgetExceeded } from '../../shared/parse-limits.ts'

const file = (path: string, document?: number): ConfigSource =>
  document === undefined ? { kind: 'File', path } : { kind: 'File', path, document }
const configMap = (name: string, key: string): ConfigSource => ({
  kind: 'ConfigMap',
  namespace: 'sidecars',
  name,
  key,
  resourceVersion: '7',
})
const entry = (text: string, source: ConfigSource): IngestEntry => ({ text, source })
const logger = (image = 'busybox') =>
  `name: logger:v1\ncontainers:\n  - name: logger\n    image: ${image}\n`

/** The verdicts of a set as `[ok, ref, "path: message", ...]` rows, in entry order. */
function verdicts(entries: readonly IngestEntry[], allowHostAccess = false) {
  return checkConfigSet(entries, { allowHostAccess }).map(({ verdict }) =>
    verdict.ok
      ? [true, verdict.ref]
      : [false, verdict.ref, ...verdict.issues.map((i) => `${i.path}: ${i.message}`)],
  )
}

describe('checkConfigSet', () => {
  it('accepts valid entries with their canonical name:version and parsed config', () => {
    const [checked] = checkConfigSet([entry('name: metrics\n', file('m.yaml'))], {
      allowHostAccess: false,
    })
    expect(checked?.verdict).toMatchObject({ ok: true, ref: 'metrics:latest' })
    expect(checked?.entry.source).toEqual(file('m.yaml'))
  })

  it('rejects a text that does not parse, keeping the name when it is readable', () => {
    expect(
      verdicts([
        entry('name: bad\ncontainers: "not-a-list"\n', file('a.yaml')),
        entry('containers: []\n', file('b.yaml')),
      ]),
    ).toEqual([
      [false, 'bad:latest', expect.stringMatching(/^containers: /)],
      [false, undefined, 'name: required'],
    ])
  })

  it('refuses host access, naming each place, unless the Worker allows it', () => {
    const text =
      'name: netdebug\nhostNetwork: true\nvolumes:\n  - name: h\n    hostPath: {path: /}\n'
    expect(verdicts([entry(text, file('n.yaml'))])).toEqual([
      [
        false,
        'netdebug:latest',
        'hostNetwork: the node network (hostNetwork) is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true',
        'volumes[0].hostPath: hostPath volume "h" is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true',
      ],
    ])
    expect(verdicts([entry(text, file('n.yaml'))], true)).toEqual([[true, 'netdebug:latest']])
  })

  it('rejects every entry of a duplicate name:version, each naming the others', () => {
    expect(
      verdicts([
        entry(logger('a'), configMap('one', 'a.yaml')),
        entry('name: metrics:v1\n', file('m.yaml')),
        entry(logger('b'), file('b.yaml', 2)),
        entry(`name: logger\nversion: v1\n`, file('c.yaml')),
      ]),
    ).toEqual([
      [false, 'logger:v1', 'name: duplicate logger:v1: also defined in file b.yaml#2, file c.yaml'],
      [true, 'metrics:v1'],
      [
        false,
        'logger:v1',
        'name: duplicate logger:v1: also defined in ConfigMap sidecars/one key a.yaml, file c.yaml',
      ],
      [
        false,
        'logger:v1',
        'name: duplicate logger:v1: also defined in ConfigMap sidecars/one key a.yaml, file b.yaml#2',
      ],
    ])
  })

  it('counts as duplicates only entries that are otherwise valid', () => {
    const broken = 'name: logger:v1\ncontainers: 3\n'
    const host = 'name: logger:v1\nhostPID: true\n'
    expect(
      verdicts([
        entry(broken, file('broken.yaml')),
        entry(host, file('host.yaml')),
        entry(logger(), file('good.yaml')),
      ]).map(([ok, ref]) => [ok, ref]),
    ).toEqual([
      [false, 'logger:v1'],
      [false, 'logger:v1'],
      [true, 'logger:v1'],
    ])
  })

  it('refuses a config Kubernetes would refuse and keeps the rest of the set', () => {
    expect(
      verdicts([
        entry(logger(), file('a.yaml')),
        entry(
          'name: ports\ncontainers: [{name: p, image: i, ports: [{containerPort: "80"}]}]\n',
          file('b.yaml'),
        ),
        entry(
          'name: caps\ncontainers: [{name: c, image: i, securityContext: {capabilities: {add: [SYS_ADMIN]}}}]\n',
          file('c.yaml'),
        ),
        entry('name: metrics\nenv: [{name: PORT, value: 9090}]\n', file('d.yaml')),
      ]),
    ).toEqual([
      [true, 'logger:v1'],
      [false, 'ports:latest', 'containers[0].ports[0].containerPort: must be an integer'],
      [
        false,
        'caps:latest',
        'containers[0].securityContext.capabilities.add[0]: capability SYS_ADMIN is host access beyond Pod Security baseline; the Worker accepts it only with INJECTOR_ALLOW_HOST_ACCESS=true',
      ],
      [true, 'metrics:latest'],
    ])
  })

  it('passes on the notes of an accepted config', () => {
    const [checked] = checkConfigSet(
      [entry('name: m\nenv: [{name: PORT, value: 9090}]\n', file('m.yaml'))],
      {
        allowHostAccess: false,
      },
    )
    expect(checked?.verdict).toMatchObject({
      ok: true,
      notes: [
        {
          path: 'env[0].value',
          message:
            'number read as the string "9090", as tumblr did; quote the value to keep it as written',
        },
      ],
    })
  })

  it('applies the per-config size limit it is given, and 128 KiB by default', () => {
    const text = `name: big\nannotations: {note: "${'n'.repeat(140_000)}"}\n`
    const at = (maxConfigBytes?: number) =>
      checkConfigSet([entry(text, file('big.yaml'))], {
        allowHostAccess: false,
        ...(maxConfigBytes === undefined ? {} : { maxConfigBytes }),
      }).map(({ verdict }) => (verdict.ok ? 'ok' : verdict.issues.map((i) => i.message)))
    expect(at()).toEqual([['config is larger than 131072 bytes as JSON (YAML aliases expanded)']])
    expect(at(256 * 1024)).toEqual(['ok'])
  })

  it('throws once the whole set expands past maxSetBytes, though each config is under its limit', () => {
    const note = (n: number) => `name: c${n}\nannotations: {note: "${'n'.repeat(40_000)}"}\n`
    const set = [note(1), note(2), note(3)].map((text, i) => entry(text, file(`${i}.yaml`)))
    expect(
      checkConfigSet(set.slice(0, 2), { allowHostAccess: false, maxSetBytes: 100_000 }),
    ).toHaveLength(2)
    expect(() => checkConfigSet(set, { allowHostAccess: false, maxSetBytes: 100_000 })).toThrow(
      new ParseBudgetExceeded(100_000),
    )
  })

  it('gives an empty set no verdicts', () => {
    expect(checkConfigSet([], { allowHostAccess: false })).toEqual([])
  })
})
