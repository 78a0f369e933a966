import { tenantKey, type CacheStore } from './cache.js'
import { LocalEntries } from './local-entries.js'

/**
 * The cache store of a single process: right in the embedded mode (one process owns the database), or on PostgreSQL
 * when the operator promises one process (CACHE_STORE=memory), since an in-process cache cannot see a write made
 * elsewhere. Bounded by entry count; least recently used entries go first. A tenant whose version entry is evicted
 * simply gets a new version, which orphans its old entries: eviction can lose speed, never freshness.
 */
export class MemoryCacheStore implements CacheStore {
  private readonly entries: LocalEntries
  /** Tokens of the writes in flight per tenant; a tenant leaves the map with its last write, so this stays small. */
  private readonly writes = new Map<string, Set<string>>()
  private sequence = 0

  constructor(maxEntries: number) {
    this.entries = new LocalEntries(maxEntries)
  }

  async version(tenantId: string): Promise<string | null> {
    if (this.writes.has(tenantId)) return null
    const key = tenantKey(tenantId, 'version')
    const current = this.entries.get(key)
    if (current !== undefined) return current as string
    const fresh = this.nextVersion()
    this.entries.set(key, fresh)
    return fresh
  }

  async beginWrite(tenantId: string, token: string): Promise<void> {
    const tokens = this.writes.get(tenantId) ?? new Set()
    this.writes.set(tenantId, tokens.add(token))
  }

  async endWrite(tenantId: string, token?: string): Promise<void> {
    const tokens = this.writes.get(tenantId)
    if (token !== undefined && tokens?.delete(token) && tokens.size === 0) this.writes.delete(tenantId)
    this.entries.set(tenantKey(tenantId, 'version'), this.nextVersion())
  }

  async get(key: string): Promise<unknown> {
    return this.entries.get(key)
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.set(key, value, ttlMs)
  }

  private nextVersion(): string {
    this.sequence += 1
    return this.sequence.toString(36)
  }
}
