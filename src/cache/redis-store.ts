import { randomBytes } from 'node:crypto'
import type { Redis, Result } from 'ioredis'
import { windowCount, windowHitLua, type WindowCount } from '../rate-limit/window-counter.js'
import { execAll } from '../redis/client.js'
import { parseFrozen, tenantKey, type CacheStore } from './cache.js'
import { LocalEntries } from './local-entries.js'

/**
 * A version outlives any entry written under it, and is recreated (with a new random value) if Redis drops it, so
 * an eviction or a flush never brings an old version back.
 */
const VERSION_TTL_MS = 24 * 60 * 60 * 1000
/**
 * How long an announced write holds back caching if its process dies before ending it. Longer than any write
 * transaction; a crashed writer costs at most this much caching for one tenant.
 */
const WRITE_LEASE_MS = 5 * 60 * 1000

/**
 * Versions are never reused, across processes and restarts: each process draws a random prefix once and counts
 * from there. Every version read offers a fresh one (used only if the tenant has none), so drawing random bytes
 * each time cost a twentieth of a cached request.
 */
const versionPrefix = randomBytes(9).toString('base64url')
let versionsMade = 0
const newVersion = () => `${versionPrefix}${(versionsMade++).toString(36)}`

/** Sets `version` to the tenant's version (created if missing), or to false while a write to it is in flight. */
const VERSION_LOOKUP_LUA = `
local version = redis.call('GET', KEYS[1])
if not version then
  version = ARGV[1]
  redis.call('SET', KEYS[1], version, 'PX', ARGV[2])
end
if redis.call('ZCOUNT', KEYS[2], ARGV[3], '+inf') > 0 then version = false end`

/**
 * The tenant's version, or nil while a write is in flight. One script rather than a MULTI block: a single command,
 * which auto-pipelining sends together with the other requests' commands.
 */
const VERSION_SCRIPT = `${VERSION_LOOKUP_LUA}
return version`

/** VERSION_SCRIPT's answer and a rate-limit hit on KEYS[3] (a window of ARGV[4] ms), so that a request costs one command. */
const COUNTED_VERSION_SCRIPT = `${VERSION_LOOKUP_LUA}
${windowHitLua('KEYS[3]', 'ARGV[4]')}
return {version, count, ttl}`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    cacheVersion(versionKey: string, writesKey: string, fresh: string, ttlMs: number, now: number): Result<string | null, Context>
    cacheVersionCounting(
      versionKey: string,
      writesKey: string,
      counterKey: string,
      fresh: string,
      ttlMs: number,
      now: number,
      windowMs: number
    ): Result<[string | null, number, number], Context>
  }
}

/**
 * The shared cache store: every process of the service sees the same versions, so a write through one process
 * invalidates the entries read by all. Writes in flight are a sorted set of tokens scored by their lease expiry,
 * so a write whose process died stops counting when its lease runs out.
 *
 * Each process also keeps the entries it has read in its own memory. An entry's key holds the tenant's version and
 * what is stored under one version is never replaced by older data, so the local copy is as good as Redis's for
 * anyone who has just read that version from Redis: a hot read costs one command (the version), not two.
 */
export class RedisCacheStore implements CacheStore {
  private readonly local: LocalEntries

  /** `localTtlMs` bounds how long a copy read from Redis stays in this process (its remaining TTL is unknown). */
  constructor(
    private readonly redis: Redis,
    private readonly options: { localEntries: number; localTtlMs: number }
  ) {
    this.local = new LocalEntries(options.localEntries)
    redis.defineCommand('cacheVersion', { numberOfKeys: 2, lua: VERSION_SCRIPT })
    redis.defineCommand('cacheVersionCounting', { numberOfKeys: 3, lua: COUNTED_VERSION_SCRIPT })
  }

  async version(tenantId: string): Promise<string | null> {
    return this.redis.cacheVersion(tenantKey(tenantId, 'version'), tenantKey(tenantId, 'writes'), newVersion(), VERSION_TTL_MS, Date.now())
  }

  /** The rate-limit counters live in the same Redis (under the same key prefix), so the hit goes with the lookup. */
  async versionCounting(tenantId: string, counterKey: string, windowMs: number): Promise<[string | null, WindowCount]> {
    const [version, count, ttl] = await this.redis.cacheVersionCounting(
      tenantKey(tenantId, 'version'),
      tenantKey(tenantId, 'writes'),
      counterKey,
      newVersion(),
      VERSION_TTL_MS,
      Date.now(),
      windowMs
    )
    return [version, windowCount(count, ttl)]
  }

  async beginWrite(tenantId: string, token: string): Promise<void> {
    const writesKey = tenantKey(tenantId, 'writes')
    const now = Date.now()
    await execAll(
      this.redis
        .multi()
        .zremrangebyscore(writesKey, '-inf', now)
        .zadd(writesKey, now + WRITE_LEASE_MS, token)
        .pexpire(writesKey, WRITE_LEASE_MS)
    )
  }

  async endWrite(tenantId: string, token?: string): Promise<void> {
    const multi = this.redis.multi()
    if (token !== undefined) multi.zrem(tenantKey(tenantId, 'writes'), token)
    await execAll(multi.set(tenantKey(tenantId, 'version'), newVersion(), 'PX', VERSION_TTL_MS))
  }

  async get(key: string): Promise<unknown> {
    const held = this.local.get(key)
    if (held !== undefined) return held
    const stored = await this.redis.get(key)
    if (stored === null) return undefined
    const value = parseFrozen(stored)
    this.local.set(key, value, this.options.localTtlMs)
    return value
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.local.set(key, value, Math.min(ttlMs, this.options.localTtlMs))
    await this.redis.set(key, JSON.stringify(value), 'PX', ttlMs)
  }
}
