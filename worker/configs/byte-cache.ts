/**
 * A cache bounded by the bytes of what it holds. Entries are of two kinds: `cheap` ones (say,
 * parsed configs, rebuilt from memory) are evicted, least recently used first, before any
 * `costly` one (say, a snapshot, read again from KV) is.
 */
export interface ByteCache<V> {
  /** The value of `key`, now the most recently used of its kind; undefined when not held. */
  get(key: string): V | undefined
  /**
   * Holds `value` at an estimated `bytes`; returns false, holding nothing under `key`, when it
   * does not fit even after evicting everything it may evict.
   */
  set(key: string, value: V, bytes: number, kind?: EntryKind): boolean
  /** Estimated bytes held now, never more than the bound. */
  bytes(): number
  /** Entries held now. */
  size(): number
}

/** Which entries go first when the cache is full. */
export type EntryKind = 'cheap' | 'costly'

/**
 * What each entry costs on top of its own estimate (key, map slot, wrapper object), so that many
 * small entries, such as the empty scopes of many clusters, are bounded too.
 */
export const ENTRY_OVERHEAD_BYTES = 128

interface Entry<V> {
  readonly value: V
  readonly bytes: number
}

/** Builds an empty cache that holds at most `maxBytes`. */
export function createByteCache<V>(maxBytes: number): ByteCache<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest use first.
  const kinds: Record<EntryKind, Map<string, Entry<V>>> = { cheap: new Map(), costly: new Map() }
  const held: Record<EntryKind, number> = { cheap: 0, costly: 0 }
  const total = () => held.cheap + held.costly
  const drop = (kind: EntryKind, key: string, entry: Entry<V>): void => {
    kinds[kind].delete(key)
    held[kind] -= entry.bytes
  }
  const remove = (key: string): void => {
    for (const kind of ['cheap', 'costly'] as const) {
      const entry = kinds[kind].get(key)
      if (entry !== undefined) drop(kind, key, entry)
    }
  }
  const evict = (kind: EntryKind, keep: string): void => {
    for (const [key, entry] of kinds[kind]) {
      if (total() <= maxBytes) return
      if (key !== keep) drop(kind, key, entry)
    }
  }
  return {
    get(key) {
      for (const entries of [kinds.cheap, kinds.costly] as const) {
        const entry = entries.get(key)
        if (entry === undefined) continue
        entries.delete(key)
        entries.set(key, entry)
        return entry.value
      }
      return undefined
    },
    set(key, value, bytes, kind = 'cheap') {
      remove(key)
      const cost = bytes + ENTRY_OVERHEAD_BYTES
      // A cheap entry may only push out other cheap ones.
      const room = kind === 'cheap' ? maxBytes - held.costly : maxBytes
      if (cost > room) return false
      kinds[kind].set(key, { value, bytes: cost })
      held[kind] += cost
      evict('cheap', key)
      evict('costly', key)
      return true
    },
    bytes: total,
    size: () => kinds.cheap.size + kinds.costly.size,
  }
}
