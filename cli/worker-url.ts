import { CliError } from './cli-error.ts'

/** Parses the `--worker` base URL and returns it without a trailing slash. */
export function parseWorkerUrl(text: string, options: { readonly httpsOnly: boolean }): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CliError(
      `--worker: "${text}" is not a URL (expected e.g. https://injector.example.com)`,
    )
  }
  const schemes = options.httpsOnly ? ['https:'] : ['https:', 'http:']
  if (!schemes.includes(url.protocol)) {
    const why = options.httpsOnly ? ' (the API server only calls https webhooks)' : ''
    throw new CliError(
      `--worker: must start with ${schemes.map((s) => `${s}//`).join(' or ')}${why}`,
    )
  }
  // Webhook URLs may not carry a query, fragment or user info, and the token rides in the path.
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new CliError('--worker: give the base URL only, without query, fragment or credentials')
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}
