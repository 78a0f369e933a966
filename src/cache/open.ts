import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from '../config/env.js'
import { closeRedis, connectRedis } from '../redis/client.js'
import { StoreCache, noCache, type Cache } from './cache.js'
import { MemoryCacheStore } from './memory-store.js'
import { RedisCacheStore } from './redis-store.js'

/**
 * The cache of CACHE_STORE (resolved in the config): Redis, shared by every process; memory, for a single process;
 * or none. With Redis, invalidations Redis could not take are delivered as soon as it is back.
 */
export function createCache(config: Config, redis: Redis | null, log: FastifyBaseLogger): Cache {
  const { store, maxEntries, ttlSeconds } = config.cache
  if (store === 'memory') return new StoreCache(new MemoryCacheStore(maxEntries), log)
  if (store === 'none' || !redis) return noCache
  const cache = new StoreCache(new RedisCacheStore(redis, { localEntries: maxEntries, localTtlMs: ttlSeconds * 1000 }), log)
  redis.on('ready', () => void cache.deliverPending())
  return cache
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
