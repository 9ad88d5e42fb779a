import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { ConfigSource } from '../shared/ingest-api.ts'
import { CliError } from './cli-error.ts'

/** One sidecar config found on disk: its raw text, where it came from, and a label for messages. */
export interface ConfigDocument {
  readonly text: string
  readonly source: ConfigSource
  /** `file.yaml`, `file.yaml#2` (second document) or `file.yaml[namespace/name:key]`. */
  readonly label: string
}

/** A problem with a file itself, before any config could be read from it. */
export interface FileProblem {
  readonly label: string
  readonly message: string
}

/** Configs and file-level problems found under the given files and folders. */
export interface ConfigDocuments {
  readonly documents: readonly ConfigDocument[]
  readonly problems: readonly FileProblem[]
  /** Kubernetes objects that hold no sidecar config (other kinds, unlabelled ConfigMaps). */
  readonly skipped: readonly string[]
}

/** How to recognise sidecar ConfigMaps: the relay's `--configmap-labels`. */
export interface ReadOptions {
  readonly configMapLabels: Readonly<Record<string, string>>
}

interface Found {
  readonly documents: ConfigDocument[]
  readonly problems: FileProblem[]
  readonly skipped: string[]
}

interface KubernetesObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata?: {
    readonly name?: unknown
    readonly namespace?: unknown
    readonly labels?: unknown
  }
  readonly data?: unknown
  readonly items?: unknown
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/**
 * Reads sidecar configs from files and folders (recursively: .yaml, .yml, .json). A ConfigMap
 * with the relay's labels (or a List of them) yields one config per data key, as the relay reads
 * them; other Kubernetes objects are skipped; any other document is one config.
 */
export function readConfigDocuments(
  paths: readonly string[],
  options: ReadOptions,
): ConfigDocuments {
  const found: Found = { documents: [], problems: [], skipped: [] }
  for (const file of paths.flatMap(listFiles)) {
    const text = readText(file)
    parseAllDocuments(text).forEach((document, i) => {
      const label = i === 0 ? file : `${file}#${i + 1}`
      const source: ConfigSource =
        i === 0 ? { kind: 'File', path: file } : { kind: 'File', path: file, document: i + 1 }
      const raw = text.slice(document.range[0], document.range[2])
      // A YAML error goes to the config parser, which reports it in its own words.
      const value: unknown = document.errors.length > 0 ? raw : document.toJS()
      if (value === null || value === undefined) return
      if (!isKubernetesObject(value)) {
        found.documents.push({ text: raw, source, label })
      } else if (value.apiVersion === 'v1' && value.kind === 'ConfigMap') {
        readConfigMap(value, label, options, found)
      } else if (
        value.apiVersion === 'v1' &&
        (value.kind === 'List' || value.kind === 'ConfigMapList')
      ) {
        const items: unknown[] = Array.isArray(value.items) ? value.items : []
        for (const item of items) {
          if (isKubernetesObject(item) && item.kind === 'ConfigMap')
            readConfigMap(item, label, options, found)
          else found.skipped.push(`${label} (a List item that is not a ConfigMap)`)
        }
      } else {
        // Sidecar configs have no apiVersion/kind; manifests of other objects may share the folder.
        found.skipped.push(`${label} (${value.kind})`)
      }
    })
  }
  return found
}

function listFiles(path: string): string[] {
  let isDirectory: boolean
  try {
    isDirectory = statSync(path).isDirectory()
  } catch (error) {
    throw new CliError(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    )
  }
  if (!isDirectory) return [path]
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name)
      if (entry.isDirectory()) return listFiles(child)
      return EXTENSIONS.has(extname(entry.name)) ? [child] : []
    })
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new CliError(
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    )
  }
}

function isKubernetesObject(value: unknown): value is KubernetesObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { apiVersion, kind } = value as Partial<KubernetesObject>
  return typeof apiVersion === 'string' && typeof kind === 'string'
}

function readConfigMap(
  object: KubernetesObject,
  label: string,
  options: ReadOptions,
  found: Found,
): void {
  const name = object.metadata?.name
  const namespace =
    typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : 'default'
  if (typeof name !== 'string' || name === '') {
    found.problems.push({ label, message: 'metadata.name: required for a ConfigMap' })
    return
  }
  const labels = (object.metadata?.labels ?? {}) as Record<string, unknown>
  if (!Object.entries(options.configMapLabels).every(([key, value]) => labels[key] === value)) {
    // The relay would not select it either.
    found.skipped.push(`${label} (ConfigMap ${namespace}/${name} without the sidecar labels)`)
    return
  }
  const data = object.data ?? {}
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    found.problems.push({ label, message: `ConfigMap ${namespace}/${name}: data must be a map` })
    return
  }
  for (const [key, text] of Object.entries(data)) {
    const keyLabel = `${label}[${namespace}/${name}:${key}]`
    if (typeof text !== 'string') {
      found.problems.push({ label: keyLabel, message: 'value must be a string holding one config' })
      continue
    }
    found.documents.push({
      text,
      source: { kind: 'ConfigMap', namespace, name, key },
      label: keyLabel,
    })
  }
}
