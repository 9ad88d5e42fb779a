import { AsyncLocalStorage } from 'node:async_hooks'
import { utf8Length } from '../../shared/parse-limits.ts'
import type { KvLike } from './config-store.ts'
import { MIN_WRITE_GAP_MS } from './kv-layout.ts'

/**
 * Workers KV's platform limits (developers.cloudflare.com/kv/platform/limits), which Miniflare
 * and `wrangler dev` do not enforce: operations per invocation (a bulk get counts as one), keys
 * per bulk get, key and value sizes, and one write per second to a key.
 */
export const KV_LIMITS = {
  operationsPerInvocation: 1000,
  keysPerBulkGet: 100,
  keyBytes: 512,
  valueBytes: 25 * 1024 * 1024,
  writeGapMs: MIN_WRITE_GAP_MS,
} as const

/** A KV call Cloudflare would refuse; `limit` names the limit, the message the measured value. */
export class KvLimitError extends Error {
  override readonly name = 'KvLimitError'
  readonly limit: keyof typeof KV_LIMITS
  constructor(limit: keyof typeof KV_LIMITS, message: string) {
    super(message)
    this.limit = limit
  }
}

/** What one invocation's KV calls cost: reads (a bulk get is one) and writes (puts, deletes). */
export interface KvCost {
  readonly reads: number
  readonly writes: number
}

/** KV limits for one isolate: its invocations, and its memory of recent writes per key. */
export interface KvLimits {
  /** Runs `work` as one invocation: every KV call it makes, awaited or not, counts toward it. */
  run<T>(work: () => T): T
  /** The binding, limited per invocation; a call outside `run` throws. */
  wrap(kv: KvLike): KvLike
  /** What the current invocation has cost so far. */
  cost(): KvCost
  /** When this isolate last wrote `key` (ms), if it did within the write gap. */
  lastWrite(key: string): number | undefined
}

export interface KvLimitsOptions {
  readonly now: () => number
  /** Called with each refused call before it throws, so a violation is logged where it happens. */
  readonly onViolation?: (error: KvLimitError) => void
}

interface Invocation {
  reads: number
  writes: number
}

/** Builds the limits of one isolate; the Worker wraps its KV binding with it in production too. */
export function createKvLimits(options: KvLimitsOptions): KvLimits {
  const { now } = options
  // workerd serves concurrent requests in one isolate; the async context tells them apart.
  const current = new AsyncLocalStorage<Invocation>()
  const lastWrites = new Map<string, number>()

  const refuse = (limit: keyof typeof KV_LIMITS, message: string): never => {
    const error = new KvLimitError(limit, message)
    options.onViolation?.(error)
    throw error
  }
  const invocation = (): Invocation => {
    const found = current.getStore()
    if (found === undefined) {
      throw new Error('a KV call outside an invocation: wrap the request in KvLimits.run')
    }
    return found
  }
  const count = (kind: 'reads' | 'writes'): void => {
    const calls = invocation()
    if (calls.reads + calls.writes >= KV_LIMITS.operationsPerInvocation) {
      refuse(
        'operationsPerInvocation',
        `more than ${KV_LIMITS.operationsPerInvocation} KV operations in one invocation`,
      )
    }
    calls[kind]++
  }
  const checkKey = (key: string): void => {
    // Each UTF-16 unit is at least one UTF-8 byte and at most three.
    if (key.length * 3 <= KV_LIMITS.keyBytes) return
    const bytes = utf8Length(key)
    if (bytes > KV_LIMITS.keyBytes) {
      refuse('keyBytes', `KV key of ${bytes} bytes; the limit is ${KV_LIMITS.keyBytes}`)
    }
  }
  const checkWrite = (key: string): void => {
    checkKey(key)
    const at = now()
    const last = lastWrites.get(key)
    if (last !== undefined && at - last < KV_LIMITS.writeGapMs && at >= last) {
      refuse(
        'writeGapMs',
        `KV key "${key}" written twice within ${at - last} ms; the limit is one write per ${KV_LIMITS.writeGapMs} ms`,
      )
    }
    // Claimed before the call goes out, so a concurrent write of the key is refused too.
    lastWrites.set(key, at)
    if (lastWrites.size > 1000) {
      for (const [known, when] of lastWrites) {
        if (at - when >= KV_LIMITS.writeGapMs) lastWrites.delete(known)
      }
    }
  }

  return {
    run: (work) => current.run({ reads: 0, writes: 0 }, work),
    wrap: (kv) => ({
      get(keys, type) {
        if (keys.length > KV_LIMITS.keysPerBulkGet) {
          refuse(
            'keysPerBulkGet',
            `bulk get of ${keys.length} keys; the limit is ${KV_LIMITS.keysPerBulkGet}`,
          )
        }
        for (const key of keys) checkKey(key)
        count('reads')
        return kv.get(keys, type)
      },
      put(key, value) {
        if (value.length > KV_LIMITS.valueBytes / 3) {
          const bytes = utf8Length(value)
          if (bytes > KV_LIMITS.valueBytes) {
            refuse('valueBytes', `KV value of ${bytes} bytes; the limit is ${KV_LIMITS.valueBytes}`)
          }
        }
        count('writes')
        checkWrite(key)
        return kv.put(key, value)
      },
      delete(key) {
        count('writes')
        checkWrite(key)
        return kv.delete(key)
      },
    }),
    cost: () => {
      const { reads, writes } = invocation()
      return { reads, writes }
    },
    lastWrite: (key) => {
      const at = lastWrites.get(key)
      return at !== undefined && now() - at < KV_LIMITS.writeGapMs ? at : undefined
    },
  }
}
