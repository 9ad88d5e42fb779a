import { Option } from 'commander'
import { DEFAULT_CONFIGMAP_LABELS, mergeLabelSelectors } from '../shared/label-selector.ts'
import { CliError } from './cli-error.ts'

/**
 * `--configmap-labels`, repeatable: the relay's selector, so ConfigMaps count exactly when the
 * relay reads them. Repeated flags add up, as in tumblr's injector.
 */
export function configMapLabelsOption(): Option {
  return new Option(
    '--configmap-labels <k=v,...>',
    'labels a ConfigMap needs for its keys to count as configs, as for the relay (repeatable: all must match)',
  )
    .argParser((value: string, previous: readonly string[]) => [...previous, value])
    .default([], DEFAULT_CONFIGMAP_LABELS)
}

/** Parses the `--configmap-labels` given (none means the default) with the relay's own rules. */
export function readConfigMapLabels(texts: readonly string[]): Readonly<Record<string, string>> {
  const parsed = mergeLabelSelectors(texts.length === 0 ? [DEFAULT_CONFIGMAP_LABELS] : texts)
  if (!parsed.ok) throw new CliError(`--configmap-labels: ${parsed.message}`)
  return parsed.labels
}
