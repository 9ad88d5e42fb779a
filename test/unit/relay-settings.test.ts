import { describe, expect, it } from 'vitest'
import { HelpRequested, readRelaySettings, SettingsError } from '../../relay/settings.ts'

const REQUIRED = ['--cluster', 'c1', '--worker-url', 'https://w.example/', '--token-file', '/t']

function read(argv: string[], env: Record<string, string> = {}, podNamespace?: string) {
  return readRelaySettings(argv, { env, podNamespace: () => podNamespace })
}

function failure(argv: string[], env: Record<string, string> = {}, podNamespace?: string): string {
  try {
    read(argv, env, podNamespace)
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError)
    return (error as Error).message
  }
  throw new Error('expected a SettingsError')
}

describe('readRelaySettings', () => {
  it('applies the documented defaults', () => {
    expect(read(REQUIRED, {}, 'sidecar-injector')).toEqual({
      cluster: 'c1',
      scope: 'c1',
      workerUrl: 'https://w.example',
      tokenFile: '/t',
      namespaces: { all: false, names: ['sidecar-injector'] },
      labels: { app: 'k8s-sidecar-injector' },
      kubeconfig: undefined,
      masterUrl: undefined,
      lifecyclePort: 9000,
      resyncMs: 300_000,
      debounceMs: 250,
      debounceMaxMs: 2000,
      watchIdleTimeoutMs: 300_000,
      backoffMaxMs: 30_000,
      heartbeatIntervalMs: 60_000,
      reportPods: false,
      reportPodsIntervalMs: 300_000,
      reportPodsPageSize: 500,
      annotationNamespace: 'injector.tumblr.com',
      namespaceDefaults: false,
    })
  })

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const settings = read([
      ...REQUIRED,
      '--scope=shared',
      '--configmap-namespace',
      'a, b,a',
      '--configmap-labels=app=x,tier=y',
      '--kubeconfig',
      '/k',
      '--master-url',
      'http://127.0.0.1:8080',
      '--lifecycle-port=0',
      '--resync',
      '30s',
      '--debounce',
      '100ms',
      '--debounce-max',
      '1s',
      '--watch-idle-timeout',
      '2m',
      '--backoff-max',
      '5s',
      '--heartbeat-interval',
      '30s',
      '--report-pods=0',
      '--report-pods-interval',
      '10m',
      '--report-pods-page-size',
      '250',
      '--annotation-namespace=injector.example.com',
    ])
    expect(settings).toMatchObject({
      scope: 'shared',
      namespaces: { all: false, names: ['a', 'b'] },
      labels: { app: 'x', tier: 'y' },
      kubeconfig: '/k',
      masterUrl: 'http://127.0.0.1:8080',
      lifecyclePort: 0,
      resyncMs: 30_000,
      debounceMs: 100,
      debounceMaxMs: 1000,
      watchIdleTimeoutMs: 120_000,
      backoffMaxMs: 5000,
      heartbeatIntervalMs: 30_000,
      reportPods: false,
      reportPodsIntervalMs: 600_000,
      reportPodsPageSize: 250,
      annotationNamespace: 'injector.example.com',
    })
  })

  it('takes each setting from its environment variable, flags winning', () => {
    const env = {
      RELAY_CLUSTER: 'from-env',
      RELAY_WORKER_URL: 'http://localhost:8787',
      RELAY_TOKEN_FILE: '/env-token',
      RELAY_SCOPE: 'shared',
      RELAY_CONFIGMAP_NAMESPACE: '*',
      RELAY_CONFIGMAP_LABELS: 'k=v',
      RELAY_KUBECONFIG: '/kc',
      RELAY_MASTER_URL: 'https://api:6443',
      RELAY_LIFECYCLE_PORT: '9100',
      RELAY_RESYNC: '1m',
      RELAY_DEBOUNCE: '50ms',
      RELAY_DEBOUNCE_MAX: '500ms',
      RELAY_WATCH_IDLE_TIMEOUT: '90s',
      RELAY_BACKOFF_MAX: '10s',
      RELAY_HEARTBEAT_INTERVAL: '2m',
      RELAY_REPORT_PODS: 'false',
      RELAY_REPORT_PODS_INTERVAL: '1h',
      RELAY_REPORT_PODS_PAGE_SIZE: '1000',
      RELAY_ANNOTATION_NAMESPACE: 'sidecars.example.org',
    }
    expect(read([], env)).toEqual({
      cluster: 'from-env',
      scope: 'shared',
      workerUrl: 'http://localhost:8787',
      tokenFile: '/env-token',
      namespaces: { all: true },
      labels: { k: 'v' },
      kubeconfig: '/kc',
      masterUrl: 'https://api:6443',
      lifecyclePort: 9100,
      resyncMs: 60_000,
      debounceMs: 50,
      debounceMaxMs: 500,
      watchIdleTimeoutMs: 90_000,
      backoffMaxMs: 10_000,
      heartbeatIntervalMs: 120_000,
      reportPods: false,
      reportPodsIntervalMs: 3_600_000,
      reportPodsPageSize: 1000,
      annotationNamespace: 'sidecars.example.org',
      namespaceDefaults: false,
    })
    expect(read(['--cluster', 'from-flag'], env).cluster).toBe('from-flag')
    expect(read(['--scope', 'cluster', '--report-pods'], env).reportPods).toBe(true)
    expect(read(['--scope', 'cluster'], { ...env, RELAY_REPORT_PODS: '1' }).reportPods).toBe(true)
  })

  it.each([
    [[], {}, /--cluster \(RELAY_CLUSTER\): required/],
    [['--cluster', 'c1', '--token-file', '/t'], {}, /--worker-url \(RELAY_WORKER_URL\): required/],
    [
      ['--cluster', 'c1', '--worker-url', 'https://w'],
      {},
      /--token-file \(RELAY_TOKEN_FILE\): required/,
    ],
    [[...REQUIRED, '--cluster', 'Bad_Name'], {}, /--cluster .*"Bad_Name"/],
    [[...REQUIRED, '--worker-url', 'ftp://w'], {}, /--worker-url .*http/],
    [[...REQUIRED, '--scope', 'fleet'], {}, /--scope .*"fleet"/],
    [[...REQUIRED, '--configmap-labels', 'app'], {}, /--configmap-labels .*key=value/],
    [[...REQUIRED, '--configmap-namespace', 'Bad NS'], {}, /--configmap-namespace .*"Bad NS"/],
    [[...REQUIRED, '--lifecycle-port', '70000'], {}, /--lifecycle-port .*port/],
    [[...REQUIRED, '--resync', 'often'], {}, /--resync \(RELAY_RESYNC\): invalid duration/],
    [[...REQUIRED, '--resync', '10ms'], {}, /--resync .*at least/],
    [[...REQUIRED, '--debounce', '5s'], {}, /--debounce-max .*shorter/],
    [[...REQUIRED, '--watch-idle-timeout', 'x'], {}, /--watch-idle-timeout/],
    [[...REQUIRED, '--backoff-max', '1ms'], {}, /--backoff-max .*at least/],
    [[...REQUIRED, '--master-url', 'nope'], {}, /--master-url/],
    [[...REQUIRED, '--no-such-flag', 'x'], {}, /unknown option '--no-such-flag'/],
    [[...REQUIRED, '--resync'], {}, /--resync/],
    [REQUIRED, { RELAY_RESYNC: 'bad' }, /--resync \(RELAY_RESYNC\)/],
    [[...REQUIRED, '--heartbeat-interval', '10ms'], {}, /--heartbeat-interval .*at least/],
    [REQUIRED, { RELAY_REPORT_PODS: 'yes please' }, /--report-pods .*"yes please" must be true/],
    [[...REQUIRED, '--report-pods-page-size', '0'], {}, /--report-pods-page-size .*1 to 5000/],
    [[...REQUIRED, '--report-pods-page-size', '2.5'], {}, /--report-pods-page-size/],
    [[...REQUIRED, '--annotation-namespace', 'Not_DNS'], {}, /--annotation-namespace .*DNS/],
    [[...REQUIRED, '--scope', 'shared', '--report-pods'], {}, /--report-pods .*--scope shared/],
  ])('%j fails naming the setting', (argv, env, message) => {
    expect(failure(argv, env, 'ns')).toMatch(message)
  })

  it("reads tumblr's CONFIGMAP_NAMESPACE, CONFIGMAP_LABELS and LIFECYCLE_PORT after the RELAY_ ones", () => {
    const tumblr = {
      CONFIGMAP_NAMESPACE: 'sidecars',
      CONFIGMAP_LABELS: 'team=a',
      LIFECYCLE_PORT: '9001',
    }
    expect(read(REQUIRED, tumblr)).toMatchObject({
      namespaces: { all: false, names: ['sidecars'] },
      labels: { team: 'a' },
      lifecyclePort: 9001,
    })
    expect(read(REQUIRED, { ...tumblr, RELAY_CONFIGMAP_LABELS: 'team=b' }).labels).toEqual({
      team: 'b',
    })
  })

  describe('--worker-url: https, or http to a loopback host only', () => {
    it.each([
      ['https://injector.example.com/', 'https://injector.example.com'],
      ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
      ['http://127.9.8.7:8787/', 'http://127.9.8.7:8787'],
      ['http://localhost:8787', 'http://localhost:8787'],
      ['http://LOCALHOST:8787', 'http://localhost:8787'],
      ['http://[::1]:8787', 'http://[::1]:8787'],
    ])('accepts %s', (url, expected) => {
      expect(read([...REQUIRED, '--worker-url', url], {}, 'ns').workerUrl).toBe(expected)
    })

    it.each([
      ['http://injector.example.com', 'injector.example.com'],
      ['http://10.0.0.7:8787', '10.0.0.7'],
      ['http://128.0.0.1', '128.0.0.1'],
      ['http://localhost.example.com', 'localhost.example.com'],
      ['http://[::2]', '[::2]'],
      ['http://0.0.0.0:8787', '0.0.0.0'],
    ])('refuses %s, naming the host and never the token', (url, host) => {
      expect(failure([...REQUIRED, '--worker-url', url], {}, 'ns')).toBe(
        `--worker-url (RELAY_WORKER_URL): http:// is refused for ${host}, which is not loopback (localhost, 127.0.0.0/8, ::1); use https:// so the sync token does not cross the network in clear`,
      )
    })

    it.each([
      ['ftp://w', '--worker-url (RELAY_WORKER_URL): must be an https URL'],
      ['not a url', '--worker-url (RELAY_WORKER_URL): must be an https URL'],
      [
        'https://w.example/?token=x',
        '--worker-url (RELAY_WORKER_URL): give the base URL only, without query, fragment or credentials',
      ],
    ])('refuses %s', (url, message) => {
      expect(failure([...REQUIRED, '--worker-url', url], {}, 'ns')).toBe(message)
    })
  })

  describe('`shared` is the fleet scope, not a cluster', () => {
    it('accepts --cluster shared with --scope shared', () => {
      const settings = read([...REQUIRED, '--cluster', 'shared', '--scope', 'shared'], {}, 'ns')
      expect(settings).toMatchObject({ cluster: 'shared', scope: 'shared' })
    })

    it.each([
      [['--cluster', 'shared'], {}],
      [['--cluster', 'shared', '--scope', 'cluster'], {}],
      [[], { RELAY_CLUSTER: 'shared' }],
    ])('refuses %j %j without --scope shared', (flags, env) => {
      const argv = ['--worker-url', 'https://w.example', '--token-file', '/t', ...flags]
      expect(failure(argv, env, 'ns')).toBe(
        '--cluster (RELAY_CLUSTER): "shared" is reserved for the fleet-wide scope; name the cluster, or add --scope shared to push this cluster\'s ConfigMaps to the fleet scope',
      )
    })
  })

  describe('--configmap-labels, repeated, adds up as in tumblr', () => {
    it.each([
      [
        ['--configmap-labels', 'app=a', '--configmap-labels', 'tier=web'],
        { app: 'a', tier: 'web' },
      ],
      [
        ['--configmap-labels=app=a,team=x', '--configmap-labels=tier=web'],
        { app: 'a', team: 'x', tier: 'web' },
      ],
      [['--configmap-labels', 'app=a', '--configmap-labels', 'app=a'], { app: 'a' }],
      [['--configmap-labels', 'app=a'], { app: 'a' }],
    ])('%j selects %j', (flags, labels) => {
      expect(
        read([...REQUIRED, ...flags], { RELAY_CONFIGMAP_LABELS: 'env=ignored' }, 'ns').labels,
      ).toEqual(labels)
    })

    it.each([
      [
        ['--configmap-labels', 'app=a', '--configmap-labels', 'app=b'],
        '--configmap-labels (RELAY_CONFIGMAP_LABELS): label "app" is given twice with different values',
      ],
      [
        ['--configmap-labels', 'app=a', '--configmap-labels', 'tier'],
        '--configmap-labels (RELAY_CONFIGMAP_LABELS): "tier" is not key=value',
      ],
    ])('%j fails: %s', (flags, message) => {
      expect(failure([...REQUIRED, ...flags], {}, 'ns')).toBe(message)
    })
  })

  describe('--cluster-labels and --namespace-defaults: what the relay tells of its cluster', () => {
    it.each([
      [['--cluster-labels', 'region=eu-west-1'], {}, { region: 'eu-west-1' }],
      [
        ['--cluster-labels=region=eu, topology.kubernetes.io/zone=b,env='],
        {},
        {
          region: 'eu',
          'topology.kubernetes.io/zone': 'b',
          env: '',
        },
      ],
      [[], { RELAY_CLUSTER_LABELS: 'tier=gold' }, { tier: 'gold' }],
      [['--cluster-labels', 'tier=flag'], { RELAY_CLUSTER_LABELS: 'tier=env' }, { tier: 'flag' }],
    ])('%j %j reads labels %j', (flags, env, labels) => {
      expect(read([...REQUIRED, ...flags], env, 'ns').clusterLabels).toEqual(labels)
    })

    it('leaves the labels out when neither the flag nor its variable is given', () => {
      expect(read(REQUIRED, {}, 'ns')).not.toHaveProperty('clusterLabels')
    })

    it.each([
      [['--cluster-labels', 'region'], '"region" is not key=value'],
      [
        ['--cluster-labels', 'Bad_Prefix.io/x=1'],
        'label key prefix "Bad_Prefix.io" is not a DNS subdomain',
      ],
      [['--cluster-labels', '-x=1'], 'label key "-x" is not a valid label name'],
      [
        ['--cluster-labels', 'x=has space'],
        'label value "has space" of "x" is not a valid label value',
      ],
      [
        ['--cluster-labels', `x=${'v'.repeat(64)}`],
        `label value "${'v'.repeat(64)}" of "x" is not a valid label value`,
      ],
      [['--cluster-labels', 'x=1,x=1'], 'label "x" is given twice'],
      [
        ['--cluster-labels', Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(',')],
        '65 labels; the Worker takes at most 64',
      ],
      [['--cluster-labels', 'x=1,x=2'], 'label "x" is given twice with different values'],
    ])('%j fails naming the flag: %s', (flags, problem) => {
      expect(failure([...REQUIRED, ...flags], {}, 'ns')).toBe(
        `--cluster-labels (RELAY_CLUSTER_LABELS): ${problem}`,
      )
    })

    it.each([
      [[], {}, false],
      [['--namespace-defaults'], {}, true],
      [['--namespace-defaults=false'], { RELAY_NAMESPACE_DEFAULTS: 'true' }, false],
      [[], { RELAY_NAMESPACE_DEFAULTS: 'true' }, true],
      [[], { RELAY_NAMESPACE_DEFAULTS: '0' }, false],
    ])('%j %j turns namespace defaults %s', (flags, env, on) => {
      expect(read([...REQUIRED, ...flags], env, 'ns').namespaceDefaults).toBe(on)
    })

    it('refuses a switch value that is not true or false', () => {
      expect(failure([...REQUIRED, '--namespace-defaults=yes'], {}, 'ns')).toBe(
        '--namespace-defaults (RELAY_NAMESPACE_DEFAULTS): "yes" must be true or false',
      )
    })

    it.each([
      [
        ['--cluster-labels', 'a=b'],
        '--cluster-labels (RELAY_CLUSTER_LABELS): not with --scope shared',
      ],
      [
        ['--namespace-defaults'],
        '--namespace-defaults (RELAY_NAMESPACE_DEFAULTS): not with --scope shared',
      ],
    ])('refuses %j for the shared scope, which is no cluster', (flags, prefix) => {
      expect(failure([...REQUIRED, '--scope', 'shared', ...flags], {}, 'ns')).toMatch(
        new RegExp(`^${prefix.replace(/[()]/g, '\\$&')}`),
      )
    })
  })

  it('needs a namespace outside a cluster, where no service-account file exists', () => {
    expect(failure(REQUIRED)).toMatch(
      /--configmap-namespace \(RELAY_CONFIGMAP_NAMESPACE\): required/,
    )
  })

  it('answers --help with every flag, its variable and an example, not an error', () => {
    let help: unknown
    try {
      read(['--help'])
    } catch (error) {
      help = error
    }
    expect(help).toBeInstanceOf(HelpRequested)
    const text = (help as HelpRequested).text
    expect(text).toContain('--configmap-labels <value>')
    expect(text).toContain('RELAY_TOKEN_FILE')
    expect(text).toContain('Example:')
  })
})
