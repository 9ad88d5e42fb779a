import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../shared/json.ts'
import { formatConfigIssue, parseSidecarConfig } from '../../shared/sidecar-config.ts'
import { coerceStringFields } from '../../shared/string-fields.ts'

const NOTE = 'as tumblr did; quote the value to keep it as written'

/** The config and notes a text parses to; fails the test when it is refused. */
function parsed(text: string) {
  const result = parseSidecarConfig(text)
  if (!result.ok) throw new Error(result.issues.map(formatConfigIssue).join('\n'))
  return { config: result.config, notes: result.notes.map(formatConfigIssue) }
}

describe('unquoted numbers and booleans in string fields, read as tumblr read them', () => {
  it.each([
    [
      'env: [{name: PORT, value: 8080}]',
      'env',
      [{ name: 'PORT', value: '8080' }],
      'env[0].value: number read as the string "8080"',
    ],
    [
      'env: [{name: DEBUG, value: yes}]',
      'env',
      [{ name: 'DEBUG', value: 'true' }],
      'env[0].value: boolean read as the string "true"',
    ],
    [
      'env: [{name: V, value: 1.10}]',
      'env',
      [{ name: 'V', value: '1.1' }],
      'env[0].value: number read as the string "1.1"',
    ],
    [
      'env: [{name: O, value: off}]',
      'env',
      [{ name: 'O', value: 'false' }],
      'env[0].value: boolean read as the string "false"',
    ],
    [
      'annotations: {example.com/replicas: 3}',
      'annotations',
      { 'example.com/replicas': '3' },
      'annotations.example.com/replicas: number read as the string "3"',
    ],
    [
      'labels: {enabled: on}',
      'labels',
      { enabled: 'true' },
      'labels.enabled: boolean read as the string "true"',
    ],
  ])('%s', (text, field, value, note) => {
    const { config, notes } = parsed(`name: a\n${text}`)
    expect(config[field as 'env']).toEqual(value)
    expect(notes).toEqual([`${note}, ${NOTE}`])
  })

  it('converts env values, args and command of containers and init containers', () => {
    const { config, notes } = parsed(`name: a
containers: [{name: c, image: i, args: [--port, 8080, true], command: [run, 7], env: [{name: NUM, value: 0}]}]
initContainers: [{name: d, image: i, args: [1.5]}]`)
    expect(config.containers[0]).toEqual({
      name: 'c',
      image: 'i',
      args: ['--port', '8080', 'true'],
      command: ['run', '7'],
      env: [{ name: 'NUM', value: '0' }],
    })
    expect(config.initContainers[0]?.args).toEqual(['1.5'])
    expect(notes).toEqual([
      `containers[0].env[0].value: number read as the string "0", ${NOTE}`,
      `containers[0].args[1]: number read as the string "8080", ${NOTE}`,
      `containers[0].args[2]: boolean read as the string "true", ${NOTE}`,
      `containers[0].command[1]: number read as the string "7", ${NOTE}`,
      `initContainers[0].args[0]: number read as the string "1.5", ${NOTE}`,
    ])
  })

  it('leaves other fields to their own types, and quoted values without a note', () => {
    const { config, notes } = parsed(
      'name: a\nenv: [{name: A, value: "8080"}]\ncontainers: [{name: c, image: i, ports: [{containerPort: 8080}]}]',
    )
    expect(config.env).toEqual([{ name: 'A', value: '8080' }])
    expect(config.containers[0]?.ports).toEqual([{ containerPort: 8080 }])
    expect(notes).toEqual([])
    expect(parseSidecarConfig('name: a\ncontainers: [{name: c, image: i, workingDir: 7}]').ok).toBe(
      false,
    )
  })

  it('leaves the value it was given as it was', () => {
    const input: JsonObject = { name: 'a', env: [{ name: 'A', value: 1 }], labels: { x: true } }
    const before = structuredClone(input)
    const output = coerceStringFields(input, () => {})
    expect(input).toEqual(before)
    expect(output).toEqual({ name: 'a', env: [{ name: 'A', value: '1' }], labels: { x: 'true' } })
  })

  it('reads name "logger:" as logger:latest, with a note', () => {
    const { config, notes } = parsed('name: "logger:"\ninherits: "base:"')
    expect([config.name, config.version, config.inherits]).toEqual([
      'logger',
      'latest',
      { name: 'base', version: 'latest' },
    ])
    expect(notes).toEqual([
      'name: "logger:" read as logger:latest, as tumblr did',
      'inherits: "base:" read as base:latest, as tumblr did',
    ])
  })
})
