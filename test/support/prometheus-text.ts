/** Samples of a Prometheus text page: `name{labels}` → value. */
export interface MetricSamples {
  /** Value of one sample; labels must match exactly (order-insensitive). */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined
  readonly text: string
}

/** Parses Prometheus text exposition format into samples. */
export function parseMetrics(text: string): MetricSamples {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const labels = parseLabels(match[3] ?? '')
    samples.set(sampleKey(match[1] ?? '', labels), Number(match[4]))
  }
  return {
    text,
    value: (name, labels = {}) => samples.get(sampleKey(name, labels)),
  }
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) =>
      c === 'n' ? '\n' : c,
    )
  }
  return labels
}

function sampleKey(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `${name}${JSON.stringify(pairs)}`
}
