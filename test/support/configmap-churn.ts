import { createHash } from 'node:crypto'
import type { JsonObject } from '../../shared/json.ts'
import { parseSidecarConfig } from '../../shared/sidecar-config.ts'
import type { ExpectedConfig } from './converge.ts'
import type { FakeApiServer } from './fake-apiserver/server.ts'
import type { SeededRandom } from './seeded-random.ts'
import { brokenConfigText, sidecarConfigText } from './sidecar-config-text.ts'

export interface ChurnOptions {
  readonly fake: FakeApiServer
  readonly namespace: string
  /** Labels the relay selects on. */
  readonly labels: Readonly<Record<string, string>>
  readonly random: SeededRandom
  /** Makes names unique per test, e.g. `s1`. */
  readonly prefix: string
}

/** Random ConfigMap edits against the fake, plus what the Worker must then hold. */
export interface ConfigMapChurn {
  /** Applies one random create, update or delete; returns what it did. */
  step(): string
  /** Deletes up to `count` random selected ConfigMaps (those whose refs pass `filter`); returns their names. */
  deleteSome(count: number, filter?: (refs: readonly string[]) => boolean): string[]
  /** The valid configs the cluster holds now, each with its content hash, source and REVISION. */
  expected(): (ExpectedConfig & { readonly revision: string })[]
  /** Refs that were expected once and are not now, with the time they last left. */
  departed(): ReadonlyMap<string, number>
  /** Every ref ever expected. */
  everExpected(): ReadonlySet<string>
}

/**
 * The hash the Worker reports for a config: hex SHA-256 of the parsed config as JSON, so equal
 * content in different YAML spelling stores once.
 */
export function contentHash(text: string): string {
  const parsed = parseSidecarConfig(text)
  if (!parsed.ok) throw new Error(`not a valid config: ${JSON.stringify(parsed.issues)}`)
  return createHash('sha256').update(JSON.stringify(parsed.config)).digest('hex')
}

interface TextInfo {
  readonly ref: string
  /** The name and version the key's next edit keeps. */
  readonly name: string
  readonly version: string
  readonly valid: boolean
  readonly revision: string
}

/** Starts a churn over an empty namespace of the fake. */
export function createConfigMapChurn(options: ChurnOptions): ConfigMapChurn {
  const { fake, namespace, random, prefix } = options
  const texts = new Map<string, TextInfo>()
  let counter = 0
  let revision = 0
  const lastLeft = new Map<string, number>()
  const ever = new Set<string>()
  let current = new Set<string>()

  const configText = (name: string, version: string): string => {
    revision += 1
    const roll = random.next()
    const rev = `${prefix}-${revision}`
    // A broken config never shares a readable name with a valid one, so it cannot cause a clash.
    const text =
      roll < 0.85
        ? sidecarConfigText({ name, version, revision: rev })
        : brokenConfigText(roll < 0.93 ? 'yaml' : 'schema', {
            name: `${name}-bad`,
            version,
            revision: rev,
          })
    const valid = roll < 0.85
    texts.set(text, { ref: `${name}:${version}`, name, version, valid, revision: rev })
    return text
  }
  const freshKey = (): [string, string] => {
    counter += 1
    const name = `${prefix}-c${counter}`
    return [`${name}.yaml`, configText(name, random.pick(['v1', 'v2']))]
  }
  const all = (): JsonObject[] => fake.listConfigMaps(namespace)
  const selected = (cm: JsonObject): boolean => {
    const labels = ((cm.metadata as JsonObject).labels ?? {}) as Record<string, string>
    return Object.entries(options.labels).every(([k, v]) => labels[k] === v)
  }
  const nameOf = (cm: JsonObject): string => String((cm.metadata as JsonObject).name)
  const dataOf = (cm: JsonObject): Record<string, string> => ({
    ...((cm.data ?? {}) as Record<string, string>),
  })
  const refsOf = (cm: JsonObject): string[] =>
    Object.values(dataOf(cm)).flatMap((text) => {
      const info = texts.get(text)
      return info?.valid === true ? [info.ref] : []
    })
  const pickMap = (want: boolean): JsonObject | undefined => {
    const maps = all().filter((cm) => selected(cm) === want)
    return maps.length === 0 ? undefined : random.pick(maps)
  }

  const create = (labelled: boolean): string => {
    counter += 1
    const name = `${prefix}-cm${counter}`
    const data: Record<string, string> = {}
    const keys = 1 + random.int(3)
    for (let i = 0; i < keys; i++) {
      const [key, text] = freshKey()
      data[key] = text
    }
    fake.createConfigMap({
      namespace,
      name,
      labels: labelled ? options.labels : { app: 'other' },
      data,
    })
    return `create ${name}${labelled ? '' : ' (unselected)'} keys=${keys}`
  }
  const update = (): string => {
    const cm = pickMap(true)
    if (cm === undefined) return create(true)
    const data = dataOf(cm)
    const keys = Object.keys(data)
    const roll = random.next()
    let what: string
    if (roll < 0.2 || keys.length === 0) {
      const [key, text] = freshKey()
      data[key] = text
      what = `add ${key}`
    } else if (roll < 0.35 && keys.length > 1) {
      const key = random.pick(keys)
      delete data[key]
      what = `remove ${key}`
    } else {
      const key = random.pick(keys)
      const info = texts.get(data[key] ?? '')
      data[key] = configText(info?.name ?? key, info?.version ?? 'v1')
      what = `edit ${key}`
    }
    fake.updateConfigMap(namespace, nameOf(cm), { data })
    return `update ${nameOf(cm)}: ${what}`
  }
  const duplicate = (): string => {
    const valid = [...current]
    if (valid.length === 0) return create(true)
    const [name = '', version = 'v1'] = random.pick(valid).split(':')
    counter += 1
    const cmName = `${prefix}-cm${counter}`
    fake.createConfigMap({
      namespace,
      name: cmName,
      labels: options.labels,
      data: { [`${name}.yaml`]: configText(name, version) },
    })
    return `create ${cmName} duplicating ${name}:${version}`
  }
  const relabel = (): string => {
    const toSelected = random.chance(0.5)
    const cm = pickMap(!toSelected)
    if (cm === undefined) return create(true)
    fake.updateConfigMap(namespace, nameOf(cm), {
      labels: toSelected ? options.labels : { app: 'other' },
    })
    return `relabel ${nameOf(cm)} ${toSelected ? 'into' : 'out of'} the selector`
  }
  const remove = (): string => {
    const cm = pickMap(random.chance(0.9))
    if (cm === undefined) return create(true)
    fake.deleteConfigMap(namespace, nameOf(cm))
    return `delete ${nameOf(cm)}`
  }

  const expected = (): (ExpectedConfig & { readonly revision: string })[] => {
    const entries: (ExpectedConfig & { revision: string })[] = []
    for (const cm of all().filter(selected)) {
      for (const [key, text] of Object.entries(dataOf(cm))) {
        const info = texts.get(text)
        if (info === undefined || !info.valid) continue
        const source = { namespace, name: nameOf(cm), key }
        const hash = contentHash(text)
        entries.push({ ref: info.ref, hash, source, revision: info.revision })
      }
    }
    // A name:version held by two keys is rejected on both (issue 4, invalid configs).
    const counts = new Map<string, number>()
    for (const e of entries) counts.set(e.ref, (counts.get(e.ref) ?? 0) + 1)
    return entries.filter((e) => counts.get(e.ref) === 1)
  }
  const track = (): void => {
    const now = new Set(expected().map((e) => e.ref))
    for (const ref of current) if (!now.has(ref)) lastLeft.set(ref, Date.now())
    for (const ref of now) {
      lastLeft.delete(ref)
      ever.add(ref)
    }
    current = now
  }

  return {
    step: () => {
      const roll = random.next()
      const did =
        roll < 0.25
          ? create(true)
          : roll < 0.65
            ? update()
            : roll < 0.85
              ? remove()
              : roll < 0.89
                ? duplicate()
                : roll < 0.94
                  ? create(false)
                  : relabel()
      track()
      return did
    },
    deleteSome: (count, filter = () => true) => {
      const names: string[] = []
      for (let i = 0; i < count; i++) {
        const candidates = all().filter((cm) => selected(cm) && filter(refsOf(cm)))
        if (candidates.length === 0) break
        const cm = random.pick(candidates)
        fake.deleteConfigMap(namespace, nameOf(cm))
        names.push(nameOf(cm))
      }
      track()
      return names
    },
    expected,
    departed: () => lastLeft,
    everExpected: () => ever,
  }
}
