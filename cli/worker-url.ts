import { isLoopbackHost } from '../shared/loopback-host.ts'
import { CliError } from './cli-error.ts'

/**
 * Which schemes `--worker` may use: `https` only (the API server calls only https webhooks), or
 * `http` too when the host is loopback (a local Worker; tokens must not cross a network in clear).
 */
export interface WorkerUrlOptions {
  readonly httpsOnly: boolean
}

/** Parses the `--worker` base URL and returns it without a trailing slash. */
export function parseWorkerUrl(text: string, options: WorkerUrlOptions): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CliError(
      `--worker: "${text}" is not a URL (expected e.g. https://injector.example.com)`,
    )
  }
  // Webhook URLs may not carry a query, fragment or user info, and the token rides in the path.
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new CliError('--worker: give the base URL only, without query, fragment or credentials')
  }
  if (url.protocol === 'http:' && !options.httpsOnly) {
    if (!isLoopbackHost(url.hostname)) {
      throw new CliError(
        `--worker: http:// is refused for ${url.hostname}, which is not loopback (localhost, 127.0.0.0/8, ::1); use https:// so the token does not cross the network in clear`,
      )
    }
  } else if (url.protocol !== 'https:') {
    const schemes = options.httpsOnly
      ? 'https:// (the API server only calls https webhooks)'
      : 'https:// (or http:// to a loopback host)'
    throw new CliError(`--worker: must start with ${schemes}`)
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}
