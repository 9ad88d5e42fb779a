import type { StoredConfigInfo, StoredConfigList } from '../../shared/ingest-api.ts'

/** A config the Worker should hold; omitted fields are not compared. */
export interface ExpectedConfig {
  /** Canonical `name:version`. */
  readonly ref: string
  /** The content hash the Worker reports for this text. */
  readonly hash?: string
  /** The ConfigMap key it came from. */
  readonly source?: { readonly namespace: string; readonly name: string; readonly key: string }
}

/** Where to read a cluster's stored set: `GET /v1/clusters/{cluster}/configs`. */
export interface StoredSetTarget {
  readonly workerUrl: string
  readonly cluster: string
  readonly syncToken: string
}

/** Reads what the Worker holds for a cluster; throws on a non-200 answer. */
export async function readStoredConfigs(target: StoredSetTarget): Promise<StoredConfigList> {
  const res = await fetch(`${target.workerUrl}/v1/clusters/${target.cluster}/configs`, {
    headers: { authorization: `Bearer ${target.syncToken}` },
    signal: AbortSignal.timeout(5000),
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET configs answered ${res.status}: ${text}`)
  return JSON.parse(text) as StoredConfigList
}

/** Lists how the stored set differs from the expected one; empty when they are equal. */
export function diffConfigs(
  stored: readonly StoredConfigInfo[],
  expected: readonly ExpectedConfig[],
): string[] {
  const problems: string[] = []
  const byRef = new Map(stored.map((info) => [info.ref, info]))
  const wanted = new Set(expected.map((e) => e.ref))
  for (const want of expected) {
    const have = byRef.get(want.ref)
    if (have === undefined) {
      problems.push(`missing ${want.ref}`)
      continue
    }
    if (want.hash !== undefined && have.hash !== want.hash) {
      problems.push(`${want.ref}: hash ${have.hash}, expected ${want.hash}`)
    }
    if (want.source !== undefined && !sameSource(have, want.source)) {
      problems.push(`${want.ref}: source ${JSON.stringify(have.source)}`)
    }
  }
  for (const info of stored) {
    if (!wanted.has(info.ref)) problems.push(`unexpected ${info.ref}`)
  }
  return problems
}

function sameSource(info: StoredConfigInfo, want: NonNullable<ExpectedConfig['source']>): boolean {
  const s = info.source
  return (
    s.kind === 'ConfigMap' &&
    s.namespace === want.namespace &&
    s.name === want.name &&
    s.key === want.key
  )
}

export interface ConvergeOptions extends StoredSetTarget {
  /** The expected set; a function is re-read on every poll. */
  readonly expected: readonly ExpectedConfig[] | (() => readonly ExpectedConfig[])
  readonly timeoutMs: number
  readonly intervalMs?: number
}

/** Polls until the Worker's stored set equals the expected one; resolves with the time it took. */
export async function waitForConvergence(options: ConvergeOptions): Promise<number> {
  const started = Date.now()
  let problems: string[] = ['never read']
  while (true) {
    const expected = typeof options.expected === 'function' ? options.expected() : options.expected
    try {
      problems = diffConfigs((await readStoredConfigs(options)).configs, expected)
    } catch (error) {
      problems = [String(error)]
    }
    if (problems.length === 0) return Date.now() - started
    if (Date.now() - started >= options.timeoutMs) break
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100))
  }
  throw new Error(
    `Worker set did not converge within ${options.timeoutMs} ms:\n  ${problems.join('\n  ')}`,
  )
}

/** One poll of the stored set: when the request was sent, and which refs it returned. */
export interface StoredSnapshot {
  readonly at: number
  readonly refs: ReadonlySet<string>
}

/** Polls the stored set in the background, for checks over time such as "never reappears". */
export function recordStoredSets(
  target: StoredSetTarget,
  intervalMs = 100,
): { snapshots(): readonly StoredSnapshot[]; stop(): Promise<void> } {
  const snapshots: StoredSnapshot[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const at = Date.now()
      try {
        const list = await readStoredConfigs(target)
        snapshots.push({ at, refs: new Set(list.configs.map((c) => c.ref)) })
      } catch {
        // A failed poll only leaves a gap in the timeline.
      }
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  })()
  return {
    snapshots: () => snapshots,
    stop: async () => {
      running = false
      await loop
    },
  }
}

/**
 * Refs that came back after the Worker had dropped them: for each ref that left the cluster at
 * `departed.get(ref)` (and stayed gone), the first snapshot after that without it starts a period
 * in which it must never appear again. A ref the Worker had not held by then was never dropped:
 * its first arrival after the edit is a push that was already in flight, not a resurrection
 * (the lost-delete check still demands it be gone at the end).
 */
export function findResurrections(
  snapshots: readonly StoredSnapshot[],
  departed: ReadonlyMap<string, number>,
): string[] {
  const found: string[] = []
  for (const [ref, leftAt] of departed) {
    let held = false
    let goneAt: number | undefined
    for (const snapshot of snapshots) {
      if (snapshot.at <= leftAt) {
        held = snapshot.refs.has(ref)
        continue
      }
      if (goneAt === undefined) {
        if (snapshot.refs.has(ref)) held = true
        else if (held) goneAt = snapshot.at
      } else if (snapshot.refs.has(ref)) {
        found.push(`${ref}: removed by ${goneAt - leftAt} ms, back at ${snapshot.at - leftAt} ms`)
        break
      }
    }
  }
  return found
}
