import { LRUCache } from 'lru-cache'

/** lru-cache cannot hold null, which is worth caching (e.g. "this session has ended"); it is stored as this. */
const NULL = Symbol('null')

/**
 * Cache entries in this process's memory, bounded by count (least recently used go first) and each by its TTL.
 * Values are kept as given: the cache hands out frozen JSON values, so no copy is needed.
 */
export class LocalEntries {
  private readonly lru: LRUCache<string, NonNullable<unknown>>

  constructor(maxEntries: number) {
    this.lru = new LRUCache({ max: maxEntries })
  }

  /** The entry, or undefined when there is none. */
  get(key: string): unknown {
    const value = this.lru.get(key)
    return value === NULL ? null : value
  }

  set(key: string, value: unknown, ttlMs?: number): void {
    this.lru.set(key, value ?? NULL, ttlMs === undefined ? undefined : { ttl: ttlMs })
  }
}
