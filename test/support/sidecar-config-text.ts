/** Names a config and the edit it carries, so the served content shows which edit won. */
export interface ConfigTextOptions {
  readonly name: string
  readonly version?: string
  /** Written into the sidecar's `REVISION` env var. */
  readonly revision: string | number
}

/** A valid tumblr-style config: one sidecar container named after the config, with REVISION. */
export function sidecarConfigText(options: ConfigTextOptions): string {
  return [
    `name: ${options.name}`,
    `version: ${options.version ?? 'v1'}`,
    'containers:',
    `  - name: ${options.name}`,
    '    image: busybox:1.36',
    '    env:',
    '      - name: REVISION',
    `        value: "${options.revision}"`,
    '',
  ].join('\n')
}

/** How a broken config is broken: unreadable YAML, or readable YAML that breaks the schema. */
export type BrokenKind = 'yaml' | 'schema'

/** A config the parser must reject; the `revision` keeps each text distinct. */
export function brokenConfigText(kind: BrokenKind, options: ConfigTextOptions): string {
  if (kind === 'yaml') return `name: ${options.name}\ncontainers: [ {name: "${options.revision}"\n`
  // `containers` must be a list: a schema error with a path, while the name stays readable.
  return [
    `name: ${options.name}`,
    `version: ${options.version ?? 'v1'}`,
    `containers: "not-a-list-${options.revision}"`,
    '',
  ].join('\n')
}
