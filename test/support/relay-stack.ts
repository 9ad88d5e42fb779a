import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deriveClusterTokens } from '../../shared/cluster-token.ts'
import type { AdmitTarget } from './admission-client.ts'
import type { StoredSetTarget } from './converge.ts'
import {
  type FakeApiServer,
  type FakeApiServerOptions,
  startFakeApiServer,
} from './fake-apiserver/server.ts'
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.ts'
import { writeKubeconfig } from './kubeconfig.ts'
import { type RelayProcess, startRelayProcess } from './relay-process.ts'
import { startTcpGate, type TcpGate } from './tcp-gate.ts'
import type { WorkerProcess } from './worker-process.ts'

/** The label the relay selects by default (tumblr's examples). */
export const RELAY_LABELS = { app: 'k8s-sidecar-injector' } as const

/** Namespace the scenarios keep their ConfigMaps in. */
export const CONFIG_NAMESPACE = 'sidecars'

export interface RelayStackOptions {
  /** A running Worker (shared by several tests, each with its own cluster) and its secret. */
  readonly worker: Pick<WorkerProcess, 'url'>
  readonly secret: string
  /** Cluster name; one per test keeps tests apart on a shared Worker. */
  readonly cluster: string
  /** Sink faults; the proxy always sits in front of the Worker so pushes can be counted. */
  readonly proxy?: Omit<FaultProxyOptions, 'target'>
  readonly fake?: FakeApiServerOptions
  /** Puts a TCP gate between relay and fake, to cut the API server off. */
  readonly gate?: boolean
  /** Runs this program (e.g. the bundled relay) with these Node flags instead of the sources. */
  readonly relayProgram?: { readonly entry: string; readonly nodeArgs: readonly string[] }
}

/** Fake API server + fault proxy + token file + kubeconfig around one Worker, for relay runs. */
export interface RelayStack {
  readonly fake: FakeApiServer
  readonly proxy: FaultProxy
  readonly gate: TcpGate | undefined
  readonly cluster: string
  readonly tokens: { readonly admit: string; readonly sync: string }
  readonly tokenFile: string
  /** Reads the Worker directly (not through the proxy). */
  readonly stored: StoredSetTarget
  readonly admitTarget: AdmitTarget
  /** Starts a relay child process; flags override the defaults. */
  startRelay(flags?: Readonly<Record<string, string>>): Promise<RelayProcess>
  /** The last lines every relay of this stack printed, for failure reports. */
  relayOutput(maxChars?: number): string
  /** Replaces the token the way the kubelet updates a mounted Secret (symlink swap). */
  writeToken(token: string): void
  /** Kills relays still running and stops everything this stack started. */
  stop(): Promise<void>
}

/** Builds the stack; call `stop()` in a `finally` or `afterEach`. */
export async function startRelayStack(options: RelayStackOptions): Promise<RelayStack> {
  const tokens = await deriveClusterTokens(options.secret, options.cluster, crypto.subtle)
  const dir = mkdtempSync(join(tmpdir(), 'relay-stack-'))
  const tokenFile = join(dir, 'token')
  let generation = 0
  // The kubelet's Secret volume layout: token -> ..data/token, and an update swaps the ..data
  // symlink to a fresh timestamped folder in one rename (atomic_writer.go).
  const writeToken = (token: string): void => {
    generation += 1
    const folder = `..${Date.now()}.${generation}`
    mkdirSync(join(dir, folder))
    writeFileSync(join(dir, folder, 'token'), token, { mode: 0o600 })
    symlinkSync(folder, join(dir, '..data_tmp'))
    const previous = existsSync(join(dir, '..data')) ? readlinkSync(join(dir, '..data')) : undefined
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
    if (previous !== undefined) rmSync(join(dir, previous), { recursive: true, force: true })
    if (!existsSync(tokenFile)) symlinkSync(join('..data', 'token'), tokenFile)
  }
  writeToken(tokens.sync)
  const fake = await startFakeApiServer(options.fake)
  const gate = options.gate === true ? await startTcpGate(fake.url) : undefined
  const kubeconfig = writeKubeconfig({ server: gate?.url ?? fake.url, namespace: CONFIG_NAMESPACE })
  const proxy = await startFaultProxy({ ...options.proxy, target: options.worker.url })
  const relays: RelayProcess[] = []
  return {
    fake,
    proxy,
    gate,
    cluster: options.cluster,
    tokens,
    tokenFile,
    stored: { workerUrl: options.worker.url, cluster: options.cluster, syncToken: tokens.sync },
    admitTarget: {
      workerUrl: options.worker.url,
      cluster: options.cluster,
      admitToken: tokens.admit,
    },
    startRelay: async (flags = {}) => {
      const relay = await startRelayProcess({
        ...(options.relayProgram ?? {}),
        flags: {
          cluster: options.cluster,
          'worker-url': proxy.url,
          'token-file': tokenFile,
          kubeconfig: kubeconfig.path,
          'configmap-namespace': CONFIG_NAMESPACE,
          ...flags,
        },
      })
      relays.push(relay)
      return relay
    },
    writeToken,
    relayOutput: (maxChars = 20_000) =>
      relays
        .map(
          (relay, i) =>
            `--- relay #${i + 1} (pid ${relay.pid}) ---\n${relay.output().slice(-maxChars)}`,
        )
        .join('\n'),
    stop: async () => {
      await Promise.all(relays.map((relay) => relay.kill('SIGKILL')))
      await proxy.stop()
      await gate?.stop()
      await fake.stop()
      kubeconfig.remove()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
