import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { execAll } from '../redis/client.js'
import { tenantKey, type CacheStore } from './cache.js'

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

const newVersion = () => randomBytes(6).toString('base64url')

/**
 * The shared cache store: every process of the service sees the same versions, so a write through one process
 * invalidates the entries read by all. Writes in flight are a sorted set of tokens scored by their lease expiry,
 * so a write whose process died stops counting when its lease runs out.
 */
export class RedisCacheStore implements CacheStore {
  constructor(private readonly redis: Redis) {}

  async version(tenantId: string): Promise<string | null> {
    const versionKey = tenantKey(tenantId, 'version')
    const [, version, writes] = await execAll(
      this.redis
        .multi()
        .set(versionKey, newVersion(), 'PX', VERSION_TTL_MS, 'NX')
        .get(versionKey)
        .zcount(tenantKey(tenantId, 'writes'), Date.now(), '+inf')
    )
    return Number(writes) > 0 ? null : (version as string)
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

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', ttlMs)
  }
}
