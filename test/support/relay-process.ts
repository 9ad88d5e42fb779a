import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { freePort } from './free-port.ts'
import { type MetricSamples, parseMetrics } from './prometheus-text.ts'

/** One JSON log line of the relay (pino: `level`, `time`, `msg`, plus fields). */
export type RelayLogLine = Readonly<Record<string, unknown>>

/** How a relay process ended. */
export interface RelayExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** The relay running as a child process (`node relay/main.ts`). */
export interface RelayProcess {
  readonly pid: number
  /** Base URL of its lifecycle port: `/healthz`, `/readyz`, `/metrics`. */
  readonly lifecycleUrl: string
  /** Parsed JSON log lines so far. */
  logs(): readonly RelayLogLine[]
  /** Everything it printed so far, stdout then stderr interleaved as received. */
  output(): string
  /** Resolves with the first log line (past or future) that satisfies `predicate`. */
  waitForLog(predicate: (line: RelayLogLine) => boolean, timeoutMs?: number): Promise<RelayLogLine>
  /** The `/metrics` page, parsed. */
  metrics(): Promise<MetricSamples>
  /** HTTP status of `/readyz`, or undefined when the port does not answer. */
  readiness(): Promise<number | undefined>
  /** Resident memory now and at its peak, from `/proc/<pid>/status` (Linux). */
  memory(): ProcessMemory
  /** Sends a signal and waits for the exit (SIGKILL follows after `graceMs`, default 15 s). */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<RelayExit>
  readonly exited: Promise<RelayExit>
}

export interface RelayProcessOptions {
  /** Flags without the leading dashes, e.g. `{ cluster: 'c1', resync: '5s' }`. */
  readonly flags: Readonly<Record<string, string>>
  /** Extra environment; the parent's environment is not inherited beyond PATH and HOME. */
  readonly env?: Readonly<Record<string, string>>
  /** Script to run instead of `relay/main.ts`: the bundle, or a stand-in when testing this helper. */
  readonly entry?: string
  /** Node flags before the script, e.g. the image's `RELAY_NODE_FLAGS`. */
  readonly nodeArgs?: readonly string[]
}

/** Resident set size in bytes: current (VmRSS) and peak (VmHWM). */
export interface ProcessMemory {
  readonly rssBytes: number
  readonly peakBytes: number
}

const root = resolve(import.meta.dirname, '../..')
const nodeBin = join(root, 'node_modules/.bin/node')

/** Starts `node relay/main.ts` with the given flags; adds a free `--lifecycle-port` if absent. */
export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  const flags = { ...options.flags }
  flags['lifecycle-port'] ??= String(await freePort())
  const args = [...(options.nodeArgs ?? []), options.entry ?? join(root, 'relay/main.ts')]
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, value)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...options.env,
  }
  const child = spawn(nodeBin, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const pid = child.pid
  if (pid === undefined) throw new Error('relay did not start')
  const lines: RelayLogLine[] = []
  const waiters = new Set<(line: RelayLogLine) => void>()
  let output = ''
  let partial = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    output += text
    partial += text
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    for (const part of parts) {
      const line = parseLine(part)
      if (line === undefined) continue
      lines.push(line)
      for (const waiter of waiters) waiter(line)
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<RelayExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const lifecycleUrl = `http://127.0.0.1:${flags['lifecycle-port']}`

  const waitForLog = (
    predicate: (line: RelayLogLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<RelayLogLine> => {
    const past = lines.find(predicate)
    if (past !== undefined) return Promise.resolve(past)
    return new Promise((resolve, reject) => {
      const waiter = (line: RelayLogLine): void => {
        if (!predicate(line)) return
        done()
        resolve(line)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no matching relay log line within ${timeoutMs} ms:\n${output}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(waiter)
      }
      waiters.add(waiter)
    })
  }

  return {
    pid,
    lifecycleUrl,
    logs: () => lines,
    output: () => output,
    waitForLog,
    metrics: async () => {
      const res = await fetch(`${lifecycleUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
      return parseMetrics(await res.text())
    },
    readiness: async () => {
      try {
        const res = await fetch(`${lifecycleUrl}/readyz`, { signal: AbortSignal.timeout(2000) })
        await res.arrayBuffer()
        return res.status
      } catch {
        return undefined
      }
    },
    memory: () => readProcessMemory(pid),
    kill: (signal = 'SIGTERM', graceMs = 15_000) => stopChild(child, exited, signal, graceMs),
    exited,
  }
}

/** Polls `/readyz` until it answers `want` (true: 200; false: anything else). */
export async function waitForReadiness(
  relay: RelayProcess,
  want: boolean,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    const status = await relay.readiness()
    if ((status === 200) === want && status !== undefined) return Date.now() - started
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`relay readiness did not become ${want} within ${timeoutMs} ms`)
}

/** Reads VmRSS and VmHWM of a live process (kB in the file). */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    if (match === null) throw new Error(`${field} missing from /proc/${pid}/status`)
    return Number(match[1]) * 1024
  }
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') }
}

function parseLine(text: string): RelayLogLine | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as RelayLogLine) : undefined
  } catch {
    return undefined
  }
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<RelayExit>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<RelayExit> {
  if (child.exitCode !== null || child.signalCode !== null) return exited
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  const exit = await exited
  clearTimeout(timer)
  return exit
}
