import type { JsonObject } from './json.ts'

/** What the MutatingWebhookConfiguration of one cluster is built from. */
export interface WebhookConfigOptions {
  /** Base URL of the Worker, `https://...`, without a trailing slash. */
  readonly workerUrl: string
  readonly cluster: string
  readonly admitToken: string
  /** Annotation prefix, e.g. `injector.tumblr.com`; must be a DNS subdomain. */
  readonly annotationNamespace: string
  /** Namespaces whose pods the API server never sends, in order, without duplicates. */
  readonly excludedNamespaces: readonly string[]
}

/** CEL that is true when the pod asks for injection: the request annotation is present. */
export function requestCondition(annotationNamespace: string): string {
  const key = `'${annotationNamespace}/request'`
  return `has(object.metadata.annotations) && ${key} in object.metadata.annotations`
}

/** CEL that is true when the pod carries no request annotation (its namespace's default applies). */
export function noRequestCondition(annotationNamespace: string): string {
  const key = `'${annotationNamespace}/request'`
  return `!has(object.metadata.annotations) || !(${key} in object.metadata.annotations)`
}

/** CEL that is true unless the pod opts out with `inject: "false"` (case-insensitive, as the engine). */
export function notOptedOutCondition(annotationNamespace: string): string {
  const key = `'${annotationNamespace}/inject'`
  return (
    `!has(object.metadata.annotations) || !(${key} in object.metadata.annotations) || ` +
    `object.metadata.annotations[${key}].trim().lowerAscii() != 'false'`
  )
}

/** The namespace label that sends a namespace's pods without a request to the Worker. */
export function namespaceDefaultsLabel(annotationNamespace: string): string {
  return `${annotationNamespace}/inject`
}

/** CEL that is true unless the pod is already marked `injected` (case-insensitive, as the engine). */
export function notInjectedCondition(annotationNamespace: string): string {
  const key = `'${annotationNamespace}/status'`
  // lowerAscii comes from the CEL strings extension, available in every Kubernetes version with CEL.
  return (
    `!has(object.metadata.annotations) || !(${key} in object.metadata.annotations) || ` +
    `object.metadata.annotations[${key}].lowerAscii() != 'injected'`
  )
}

/** What the ValidatingWebhookConfiguration of one cluster is built from. */
export interface ValidatingWebhookOptions {
  /** Base URL of the Worker, `https://...`, without a trailing slash. */
  readonly workerUrl: string
  readonly cluster: string
  readonly admitToken: string
  /** Annotation prefix; names the webhook as it names the mutating one. */
  readonly annotationNamespace: string
  /** The relay's `--configmap-labels`: the ConfigMaps it reads are the ones checked. */
  readonly configMapLabels: Readonly<Record<string, string>>
}

/**
 * CEL that is true when a ConfigMap carries every one of `labels`. Label keys and values hold no
 * quote or backslash (Kubernetes label syntax, checked by parseLabelSelector), so they quote as is.
 */
export function labelsCondition(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => {
      const k = `'${key}'`
      return `${k} in object.metadata.labels && object.metadata.labels[${k}] == '${labels[key]}'`
    })
  return ['has(object.metadata.labels)', ...pairs].join(' && ')
}

/** Builds the admissionregistration.k8s.io/v1 MutatingWebhookConfiguration for one cluster. */
export function buildWebhookConfig(options: WebhookConfigOptions): JsonObject {
  const url = `${options.workerUrl}/v1/admit/${options.cluster}/${options.admitToken}`
  const prefix = options.annotationNamespace
  const rules = [
    {
      operations: ['CREATE'],
      apiGroups: [''],
      apiVersions: ['v1'],
      resources: ['pods'],
      scope: 'Namespaced',
    },
  ]
  const excluded = {
    key: 'kubernetes.io/metadata.name',
    operator: 'NotIn',
    values: [...options.excludedNamespaces],
  }
  const common = {
    // A sidecar is never worth blocking a pod: admit it unchanged when the Worker is unreachable.
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    timeoutSeconds: 5,
    reinvocationPolicy: 'Never',
    matchPolicy: 'Equivalent',
  }
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: 'sidecar-injector',
      labels: {
        'app.kubernetes.io/name': 'sidecar-injector',
        'sidecar-injector/cluster': options.cluster,
      },
    },
    webhooks: [
      {
        name: webhookName(prefix, 'inject'),
        admissionReviewVersions: ['v1'],
        // The Worker's certificate is publicly trusted, so no caBundle is needed.
        clientConfig: { url },
        rules,
        namespaceSelector: { matchExpressions: [excluded] },
        // Filtered in the API server, so pods that do not ask for a sidecar never leave the cluster.
        matchConditions: [
          { name: 'requests-injection', expression: requestCondition(prefix) },
          { name: 'not-yet-injected', expression: notInjectedCondition(prefix) },
        ],
        ...common,
      },
      {
        // Pods without a request of their own, in namespaces labelled `{prefix}/inject=enabled`:
        // the Worker gives them their namespace's default. Pods with a request go to the first
        // webhook only, so no pod is sent twice.
        name: webhookName(prefix, 'inject-default'),
        admissionReviewVersions: ['v1'],
        clientConfig: { url },
        rules,
        namespaceSelector: {
          matchExpressions: [
            excluded,
            { key: namespaceDefaultsLabel(prefix), operator: 'In', values: ['enabled'] },
          ],
        },
        matchConditions: [
          { name: 'no-own-request', expression: noRequestCondition(prefix) },
          { name: 'not-opted-out', expression: notOptedOutCondition(prefix) },
          { name: 'not-yet-injected', expression: notInjectedCondition(prefix) },
        ],
        ...common,
      },
    ],
  }
}

/**
 * Builds the admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration that refuses a
 * sidecar ConfigMap the Worker would reject, at `kubectl apply`, before the relay pushes it.
 */
export function buildValidatingWebhookConfig(options: ValidatingWebhookOptions): JsonObject {
  const url = `${options.workerUrl}/v1/validate/${options.cluster}/${options.admitToken}`
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: 'sidecar-injector',
      labels: {
        'app.kubernetes.io/name': 'sidecar-injector',
        'sidecar-injector/cluster': options.cluster,
      },
    },
    webhooks: [
      {
        name: webhookName(options.annotationNamespace, 'validate'),
        admissionReviewVersions: ['v1'],
        clientConfig: { url },
        rules: [
          {
            operations: ['CREATE', 'UPDATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['configmaps'],
            scope: 'Namespaced',
          },
        ],
        // Only the ConfigMaps the relay reads (its --configmap-labels) leave the cluster.
        matchConditions: [
          {
            name: 'sidecar-configmap',
            expression: labelsCondition(options.configMapLabels),
          },
        ],
        // A check is never worth blocking every ConfigMap: when the Worker is unreachable, the
        // relay still reports a bad config as an Event, and the Worker still refuses it at ingest.
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        timeoutSeconds: 5,
        matchPolicy: 'Equivalent',
      },
    ],
  }
}

/**
 * A webhook's name: the API server wants a fully qualified name of at least three DNS labels,
 * so a single-label annotation namespace gets a suffix.
 */
export function webhookName(
  annotationNamespace: string,
  verb: 'inject' | 'inject-default' | 'validate',
): string {
  const name = `${verb}.${annotationNamespace}`
  return annotationNamespace.includes('.') ? name : `${name}.sidecar-injector`
}
