import { execFile } from 'node:child_process'

/**
 * The objects kubectl reads from a YAML manifest, as JSON, offline: `kubectl label --local`
 * decodes the manifest with kubectl's own YAML reader and needs no API server. The label it
 * adds is removed again, so the result compares with what the manifest meant.
 */
export function kubectlRead(manifest: string): Promise<Record<string, unknown>[]> {
  return new Promise((done, fail) => {
    const child = execFile(
      'kubectl',
      ['label', '--local', '-f', '-', '-o', 'json', 'read-by=kubectl'],
      { env: { PATH: process.env.PATH ?? '', KUBECONFIG: '/dev/null' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error !== null) return fail(new Error(`kubectl: ${stderr || error.message}`))
        try {
          // One pretty-printed JSON object per manifest document, one after the other.
          const items = stdout
            .trim()
            .split(/\n(?=\{)/)
            .map((text) => JSON.parse(text) as Record<string, unknown>)
          for (const item of items) {
            const metadata = item.metadata as { labels: Record<string, string> }
            delete metadata.labels['read-by']
            if (Object.keys(metadata.labels).length === 0)
              delete (metadata as { labels?: unknown }).labels
          }
          done(items)
        } catch (problem) {
          fail(problem)
        }
      },
    )
    child.stdin?.end(manifest)
  })
}
