import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'

/** Where a kubeconfig points and how it authenticates. */
export interface KubeconfigOptions {
  /** API server URL, e.g. the fake's `http://127.0.0.1:port`. */
  readonly server: string
  /** Bearer token for the user (omitted: no credentials). */
  readonly token?: string
  /** Default namespace of the context (default `default`). */
  readonly namespace?: string
}

/** A kubeconfig file on disk. */
export interface KubeconfigFile {
  readonly path: string
  /** Deletes the file and its temporary folder. */
  remove(): void
}

/** The kubeconfig document (cluster `fake`, user `tester`, context `fake`). */
export function buildKubeconfigDocument(options: KubeconfigOptions): Record<string, unknown> {
  const user = options.token === undefined ? {} : { token: options.token }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless insecure-skip-tls-verify is set (KubeConfig.createDispatcherOptions).
    clusters: [
      { name: 'fake', cluster: { server: options.server, 'insecure-skip-tls-verify': true } },
    ],
    users: [{ name: 'tester', user }],
    contexts: [
      {
        name: 'fake',
        context: { cluster: 'fake', user: 'tester', namespace: options.namespace ?? 'default' },
      },
    ],
    'current-context': 'fake',
    preferences: {},
  }
}

/** Writes a kubeconfig (JSON is valid YAML) into a fresh temporary folder, for kubectl and `--kubeconfig`. */
export function writeKubeconfig(options: KubeconfigOptions): KubeconfigFile {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'))
  const path = join(dir, 'config')
  writeFileSync(path, JSON.stringify(buildKubeconfigDocument(options), null, 2), { mode: 0o600 })
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A client-node KubeConfig for the same settings, without touching disk. */
export function loadKubeConfig(options: KubeconfigOptions): KubeConfig {
  const config = new KubeConfig()
  config.loadFromString(JSON.stringify(buildKubeconfigDocument(options)))
  return config
}
