// Entry point: `node relay/main.ts --cluster ... --worker-url ... --token-file ...`.
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { injectedAnnotationKey } from '../shared/injected-annotation.ts'
import { createFleetSink } from './fleet-sink.ts'
import {
  createConfigMapClient,
  createEventPoster,
  createNamespaceListWatch,
  defaultKubeconfigExists,
  loadKubeConfig,
} from './kube-client.ts'
import { createKubeTransport } from './kube-request.ts'
import { startLifecycleServer } from './lifecycle-server.ts'
import { createRelayLogger } from './logger.ts'
import { createRelayMetrics } from './metrics.ts'
import { createPodPageLister } from './pod-metadata-list.ts'
import { startRelay } from './relay.ts'
import { readRelayVersion } from './relay-version.ts'
import { readServerVersion } from './server-version.ts'
import { HelpRequested, readRelaySettings, SettingsError } from './settings.ts'
import { openTokenFile } from './token-file.ts'
import { createWorkerSink } from './worker-sink.ts'

// The pod must be gone within the default 30 s termination grace; we promise 10 s.
const SHUTDOWN_GRACE_MS = 8000
const HARD_EXIT_MS = 9500
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'

const logger = createRelayLogger()

function exitWithSettingsError(message: string): never {
  logger.fatal({ error: message }, 'invalid settings')
  process.stderr.write(`relay: ${message}\n`)
  process.exit(2)
}

function readPodNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

async function main(): Promise<void> {
  let settings: ReturnType<typeof readRelaySettings>
  try {
    settings = readRelaySettings(process.argv.slice(2), {
      env: process.env,
      podNamespace: readPodNamespace,
    })
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(error.text)
      process.exit(0)
    }
    if (error instanceof SettingsError) exitWithSettingsError(error.message)
    throw error
  }
  let token: ReturnType<typeof openTokenFile>
  try {
    token = openTokenFile(settings.tokenFile, {
      onError: (message) => logger.warn({ error: message }, 'token file unreadable'),
      onRotated: () => logger.info({ tokenFile: settings.tokenFile }, 'token rotated'),
    })
  } catch (error) {
    exitWithSettingsError(`--token-file (RELAY_TOKEN_FILE): ${(error as Error).message}`)
  }
  let kubeConfig: ReturnType<typeof loadKubeConfig>
  try {
    kubeConfig = loadKubeConfig({
      kubeconfig: settings.kubeconfig,
      masterUrl: settings.masterUrl,
      inCluster: process.env.KUBERNETES_SERVICE_HOST !== undefined,
      hasDefaultKubeconfig: defaultKubeconfigExists(),
    })
    if (kubeConfig.getCurrentCluster() === null) throw new Error('no current cluster')
  } catch (error) {
    exitWithSettingsError(
      `--kubeconfig (RELAY_KUBECONFIG) / --master-url (RELAY_MASTER_URL): cannot load the Kubernetes configuration: ${(error as Error).message}`,
    )
  }

  const metrics = createRelayMetrics()
  const relayVersion = readRelayVersion()
  const kube = createKubeTransport(kubeConfig, {
    userAgent: `sidecar-injector-relay/${relayVersion}`,
  })
  const workerTarget = { workerUrl: settings.workerUrl, token: () => token.current() }
  const instance = process.env.HOSTNAME ?? hostname()
  const relay = startRelay({
    settings,
    source: createConfigMapClient(kube, { listTimeoutMs: 30_000 }),
    ...(settings.namespaceDefaults
      ? {
          namespaces: createNamespaceListWatch(kube, {
            listTimeoutMs: 30_000,
            requestKey: `${settings.annotationNamespace}/request`,
          }),
        }
      : {}),
    sink: createWorkerSink({ ...workerTarget, scope: settings.scope, instance }),
    postEvent: createEventPoster(kube.request),
    random: Math.random,
    logger,
    metrics,
    instance,
    fleet: {
      // The sync token is the scope's: a relay feeding `shared` reports under `shared`.
      sink: createFleetSink({ ...workerTarget, cluster: settings.scope }),
      readServerVersion: () => readServerVersion(kube.request),
      listPods: createPodPageLister(kube.request, {
        annotationKey: injectedAnnotationKey(settings.annotationNamespace),
        timeoutMs: 30_000,
      }),
      relayVersion,
    },
  })
  let lifecycle: Awaited<ReturnType<typeof startLifecycleServer>> | undefined
  let shuttingDown = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return
    shuttingDown = true
    const started = Date.now()
    logger.info({ signal }, 'shutting down')
    // Whatever happens below, the process is gone within 10 s of the signal.
    setTimeout(() => process.exit(0), HARD_EXIT_MS).unref()
    relay
      .stop(SHUTDOWN_GRACE_MS)
      .then(() => lifecycle?.close())
      .catch((error: unknown) => logger.error({ error: String(error) }, 'shutdown error'))
      .finally(() => {
        logger.info({ durationMs: Date.now() - started }, 'stopped')
        process.exit(0)
      })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)

  try {
    lifecycle = await startLifecycleServer({
      port: settings.lifecyclePort,
      registry: metrics.registry,
      notReadyReason: () => relay.notReadyReason(),
    })
  } catch (error) {
    logger.fatal(
      { error: (error as Error).message, port: settings.lifecyclePort },
      'lifecycle port unavailable (--lifecycle-port)',
    )
    await relay.stop(0)
    process.exit(1)
  }
  logger.info({ port: lifecycle.port }, 'lifecycle server listening')
}

main().catch((error: unknown) => {
  logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'relay crashed')
  process.exit(1)
})
