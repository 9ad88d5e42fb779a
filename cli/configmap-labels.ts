import { Option } from 'commander'
import { DEFAULT_CONFIGMAP_LABELS, parseLabelSelector } from '../shared/label-selector.ts'
import { CliError } from './cli-error.ts'

/** `--configmap-labels`: the relay's selector, so ConfigMaps count exactly when the relay reads them. */
export function configMapLabelsOption(): Option {
  return new Option(
    '--configmap-labels <k=v,...>',
    'labels a ConfigMap needs for its keys to count as configs, as for the relay',
  ).default(DEFAULT_CONFIGMAP_LABELS)
}

/** Parses `--configmap-labels` with the relay's own rules. */
export function readConfigMapLabels(text: string): Readonly<Record<string, string>> {
  const parsed = parseLabelSelector(text)
  if (!parsed.ok) throw new CliError(`--configmap-labels: ${parsed.message}`)
  return parsed.labels
}
