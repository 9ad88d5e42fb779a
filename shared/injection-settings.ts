import type { InjectionSettings } from './types.ts'

/** tumblr's defaults: `injector.tumblr.com/request`, and system namespaces left alone. */
export const DEFAULT_INJECTION_SETTINGS: InjectionSettings = {
  annotationNamespace: 'injector.tumblr.com',
  ignoredNamespaces: ['kube-system', 'kube-public'],
}
