import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { WindowCount } from '../rate-limit/window-counter.js'

/**
 * A read cache in front of the database, scoped per tenant. The database stays the source of truth: every failure
 * of the cache's storage turns into a miss (or a skipped write), never into a failed request.
 *
 * Invalidation is by version rather than by deleting keys. Each tenant has a version, and entries live under it
 * (`t:{tenantId}:{version}:{key}`); a write gives the tenant a new version, which orphans every entry at once (they
 * expire by their TTL). Deleting keys instead has a race: a reader that loaded the old state just before a write
 * committed would store it after the delete. A reader that loaded under an old version can only ever store under
 * that old version, which nobody reads any more.
 *
 * The version alone leaves one gap: between a write's commit and the new version, readers would still be served
 * the old entries. So a write announces itself first (`invalidating`): while any write to a tenant is in flight, its
 * reads bypass the cache; the new version is published when the write is over. A reader that starts after a
 * commit therefore never sees older data, in this process or in any other process sharing the store.
 */
export interface TenantCache {
  /**
   * The cached value of `key`, or `load()`'s result, then cached for `ttlSeconds`. Values must be JSON: a `Date`
   * comes back as its ISO string, on a hit and a miss alike. The value is frozen and may be shared by concurrent
   * requests: build the answer from it, never change it. Keys should be short; hash a long filter first.
   *
   * @example cache.tenant(auth.tenantId).wrap(`products:${hash}`, 30, () => repo.listProducts(tx, auth.tenantId, query))
   */
  wrap<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T>
}

export interface Cache {
  /**
   * The tenant's cache, for a read that began at `since` (`performance.now()`, e.g. when the request arrived). Each
   * read needs the tenant's current version, a lookup in the store; one that this process issued after `since` is
   * current enough (any write that finished before the read began was published before it), so the reads of one
   * request share it. A write through this process drops the lookups issued before it, so a request that writes
   * and then reads sees its write. Without `since`, every read looks the version up.
   */
  tenant(tenantId: string, since?: number): TenantCache
  /**
   * `tenant(tenantId, since)`, and a hit on the rate-limit window `counterKey` (of the rate-limit counters, see
   * src/rate-limit) counted in the same command as the version lookup when the store holds the counters too (Redis):
   * a request then costs one command, not two. `counted` is that hit's count, rejected if the store failed; null when
   * the cache did not count it (no such store, or the request shares a lookup already made), and the caller counts it.
   */
  tenantCounting(tenantId: string, since: number, counterKey: string, windowMs: number): { cache: TenantCache; counted: Promise<WindowCount> | null }
  /**
   * Runs `write`, a change to the tenant's data that commits before it resolves, so that no read can cache or serve
   * what was there before. Wrap the whole transaction.
   *
   * @example await cache.invalidating(tenantId, () => db.tenant(tenantId, (tx) => repo.updateTenant(tx, tenantId, { name })))
   */
  invalidating<T>(tenantId: string, write: () => Promise<T>): Promise<T>
  /** Drops every entry of the tenant, after a change that could not be wrapped in `invalidating`. */
  invalidateTenant(tenantId: string): Promise<void>
}

/** What the cache needs from its storage (Redis, or memory in the single-process embedded mode). */
export interface CacheStore {
  /** The tenant's current version (created when it has none), or null while a write to the tenant is in flight. */
  version(tenantId: string): Promise<string | null>
  /** `version`, and a hit counted on the rate-limit window `counterKey`, in one command: for a store that holds the counters. */
  versionCounting?(tenantId: string, counterKey: string, windowMs: number): Promise<[version: string | null, hit: WindowCount]>
  /** Announces a write to the tenant, named by `token`. */
  beginWrite(tenantId: string, token: string): Promise<void>
  /** Ends the write named by `token` (if it was announced), and gives the tenant a new version. */
  endWrite(tenantId: string, token?: string): Promise<void>
  /** An entry as `set` took it: a frozen JSON value, which the store may hand out again without copying. */
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
}

/**
 * A value as it would come back from JSON (a `Date` becomes its ISO string), frozen all the way down. Every store
 * then returns the same shape, and a cached value shared by many requests cannot be changed by one of them.
 */
export function cacheable(value: unknown): unknown {
  return parseFrozen(JSON.stringify(value ?? null))
}

/** Every object that came out of `parseFrozen`: frozen all the way down, so it serializes the same way each time. */
const frozenValues = new WeakSet<object>()

export function parseFrozen(json: string): unknown {
  const value = deepFreeze(JSON.parse(json))
  if (typeof value === 'object' && value !== null) frozenValues.add(value)
  return value
}

/** Whether `value` is a cached value (or one made the same way): deeply frozen, never to change. */
export function isFrozenJson(value: unknown): value is object {
  return typeof value === 'object' && value !== null && frozenValues.has(value)
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Every key of a tenant starts with this, so one tenant's entries can never be read as another's. */
export function tenantKey(tenantId: string, rest: string): string {
  return `t:${tenantId}:${rest}`
}

/** The cache over a store, with storage failures absorbed. */
export class StoreCache implements Cache {
  /**
   * Tenants written while the store could not take their new version. Their old entries may still be in the store,
   * so this process does not read them until the new version has been delivered.
   */
  private readonly undelivered = new Set<string>()
  /** Per tenant, the last version lookup this process issued: when, and its answer. */
  private readonly versionReads = new LRUCache<string, { issuedAt: number; version: Promise<string | null> }>({ max: 10_000 })

  constructor(
    private readonly store: CacheStore,
    private readonly log: FastifyBaseLogger
  ) {}

  tenant(tenantId: string, since?: number): TenantCache {
    return { wrap: (key, ttlSeconds, load) => this.wrap(tenantId, since, key, ttlSeconds, load) }
  }

  tenantCounting(tenantId: string, since: number, counterKey: string, windowMs: number): { cache: TenantCache; counted: Promise<WindowCount> | null } {
    const cache = this.tenant(tenantId, since)
    if (!this.store.versionCounting || this.undelivered.has(tenantId)) return { cache, counted: null }
    const last = this.versionReads.get(tenantId)
    if (last && last.issuedAt >= since) return { cache, counted: null }
    const issuedAt = performance.now()
    const both = this.store.versionCounting(tenantId, counterKey, windowMs)
    this.versionReads.set(tenantId, { issuedAt, version: both.then(([version]) => version, this.versionUnavailable) })
    const counted = both.then(([, hit]) => hit)
    // The caller may never await it (its request failed first); a failure is the caller's to handle when it does.
    counted.catch(() => {})
    return { cache, counted }
  }

  async invalidating<T>(tenantId: string, write: () => Promise<T>): Promise<T> {
    // The token is ours, not the store's, so the write can be ended even if its announcement timed out but landed.
    const token = randomUUID()
    await this.store.beginWrite(tenantId, token).catch((err: unknown) => this.storeFailed(err, undefined))
    try {
      return await write()
    } finally {
      await this.publishVersion(tenantId, token)
    }
  }

  async invalidateTenant(tenantId: string): Promise<void> {
    await this.publishVersion(tenantId)
  }

  /** Retries the versions that could not be published, e.g. once the store is reachable again. */
  async deliverPending(): Promise<void> {
    for (const tenantId of [...this.undelivered]) await this.publishVersion(tenantId)
  }

  private async wrap<T>(tenantId: string, since: number | undefined, key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const version = await this.currentVersion(tenantId, since)
    if (version === null) return load()
    const entryKey = tenantKey(tenantId, `${version}:${key}`)
    const hit = await this.store.get(entryKey).catch(this.entryUnavailable)
    if (hit !== undefined) return hit as T
    const value = cacheable(await load())
    await this.store.set(entryKey, value, ttlSeconds * 1000).catch(this.entryUnavailable)
    return value as T
  }

  /**
   * Not an async function: on the hot path it hands out the lookup it shares, and an async function returning a
   * promise would cost each read three more turns of the microtask queue.
   */
  private currentVersion(tenantId: string, since: number | undefined): Promise<string | null> {
    if (this.undelivered.has(tenantId)) return this.redeliverThenLookUp(tenantId)
    const last = this.versionReads.get(tenantId)
    if (since !== undefined && last && last.issuedAt >= since) return last.version
    return this.lookUpVersion(tenantId)
  }

  private async redeliverThenLookUp(tenantId: string): Promise<string | null> {
    await this.publishVersion(tenantId)
    return this.undelivered.has(tenantId) ? null : this.lookUpVersion(tenantId)
  }

  private lookUpVersion(tenantId: string): Promise<string | null> {
    const issuedAt = performance.now()
    const version = this.store.version(tenantId).catch(this.versionUnavailable)
    this.versionReads.set(tenantId, { issuedAt, version })
    return version
  }

  private async publishVersion(tenantId: string, token?: string): Promise<void> {
    try {
      await this.store.endWrite(tenantId, token)
      this.undelivered.delete(tenantId)
    } catch (err) {
      this.undelivered.add(tenantId)
      this.storeFailed(err, undefined)
    }
    // Lookups issued before the new version was published must not serve the request that wrote, nor any other.
    this.versionReads.delete(tenantId)
  }

  /** `storeFailed` for a version lookup and for an entry, made once rather than as a closure per read. */
  private readonly versionUnavailable = (err: unknown): null => this.storeFailed(err, null)
  private readonly entryUnavailable = (err: unknown): undefined => this.storeFailed(err, undefined)

  /** Store failures are expected while Redis is away (the connection logs the outage once), so they stay at debug. */
  private storeFailed<F>(err: unknown, fallback: F): F {
    this.log.debug({ err }, 'cache store unavailable')
    return fallback
  }
}

const uncached: TenantCache = { wrap: (_key, _ttl, load) => load() }

/** For PostgreSQL without Redis: several processes may share the database, and a per-process cache could go stale. */
export const noCache: Cache = {
  tenant: () => uncached,
  tenantCounting: () => ({ cache: uncached, counted: null }),
  invalidating: (_tenantId, write) => write(),
  invalidateTenant: async () => {}
}
