const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'SECRET', 'TOKEN', 'CREDENTIAL', 'CREDENTIALS'])
const SECRET_PAIRS = new Set([
  'API_KEY',
  'PRIVATE_KEY',
  'ACCESS_KEY',
  'SECRET_KEY',
  'SIGNING_KEY',
  'ENCRYPTION_KEY',
  'AUTH_KEY',
])
const SECRET_COMPOUNDS = new Set(['APIKEY', 'PRIVATEKEY', 'ACCESSKEY', 'SECRETKEY', 'AUTHTOKEN'])

/**
 * Whether an env var name reads as a credential (`DB_PASSWORD`, `GITHUB_TOKEN`, `API_KEY`).
 * Only the last word counts, so `TOKEN_PATH` or `SECRET_NAME` (which point at secrets) pass.
 */
export function looksLikeSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((word) => word !== '')
  const last = words.at(-1)
  if (last === undefined) return false
  if (SECRET_WORDS.has(last) || SECRET_COMPOUNDS.has(last)) return true
  const pair = words.slice(-2).join('_')
  return SECRET_PAIRS.has(pair)
}
