import { badRequest } from './status.ts'

/** The decoded continue token: snapshot revision (-1 = latest, inconsistent) and the key to resume after. */
export interface ContinuePoint {
  readonly resourceVersion: number
  readonly start: string
}

/** Encodes a token in the etcd3 storage format (raw base64url of `{"v","rv","start"}`). */
export function encodeContinue(point: ContinuePoint): string {
  const json = JSON.stringify({
    v: 'meta.k8s.io/v1',
    rv: point.resourceVersion,
    start: point.start,
  })
  return Buffer.from(json).toString('base64url')
}

/** Decodes a token; 400 when it is not one of ours. */
export function decodeContinue(token: string): ContinuePoint {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    if (
      value !== null &&
      typeof value === 'object' &&
      'v' in value &&
      value.v === 'meta.k8s.io/v1'
    ) {
      const rv = 'rv' in value ? value.rv : undefined
      const start = 'start' in value ? value.start : undefined
      if (typeof rv === 'number' && typeof start === 'string' && start !== '') {
        return { resourceVersion: rv, start }
      }
    }
  } catch {
    // reported below
  }
  throw badRequest('invalid continue token: continue key is not valid')
}
