import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from '../config/env.js'
import { closeRedis, connectRedis } from '../redis/client.js'
import { StoreCache, noCache, type Cache } from './cache.js'
import { MemoryCacheStore } from './memory-store.js'
import { RedisCacheStore } from './redis-store.js'

/**
 * Picks the cache for the deployment: Redis when configured (shared by every process); memory in the embedded mode
 * (PGlite serves a single process, so nothing else can write behind its back); none on PostgreSQL without Redis,
 * where other processes may write and a per-process cache could serve stale data.
 */
export function createCache(config: Config, redis: Redis | null, log: FastifyBaseLogger): Cache {
  if (redis) {
    const cache = new StoreCache(new RedisCacheStore(redis), log)
    redis.on('ready', () => void cache.deliverPending())
    return cache
  }
  if (!config.db.url) return new StoreCache(new MemoryCacheStore(config.cache.maxEntries), log)
  return noCache
}

/**
 * The cache for a program outside the server, such as a CLI that changes a tenant's plan: wrap the change in
 * `cache.invalidating(tenantId, …)`, then `close()`.
 *
 * @example
 * const { cache, close } = await openCache(config, log)
 * await cache.invalidating(tenantId, () => db.system((tx) => setPlan(tx, tenantId, plan)))
 * await close()
 */
export async function openCache(config: Config, log: FastifyBaseLogger): Promise<{ cache: Cache; close(): Promise<void> }> {
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, config.redis, log) : null
  return { cache: createCache(config, redis, log), close: async () => (redis ? closeRedis(redis) : undefined) }
}
