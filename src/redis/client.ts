import type { FastifyBaseLogger } from 'fastify'
import type { ChainableCommander, Redis } from 'ioredis'
import type { Config } from '../config/env.js'

/**
 * Opens the Redis client shared by the cache and the rate limits. Redis only ever buys speed, so the client is
 * tuned to fail fast rather than wait: no offline queue (a command issued while Redis is away is refused at once
 * and its caller falls back), one retry, a short command timeout, and endless background reconnection.
 * Start-up does not wait for Redis beyond one connection attempt.
 */
export async function connectRedis(url: string, settings: Config['redis'], log: FastifyBaseLogger): Promise<Redis> {
  // Loaded only when Redis is configured. Through `default` (the CommonJS module itself), the one export that
  // both Node's loader and the bundle's chunks give a CommonJS package.
  const { Redis } = (await import('ioredis')).default
  const client = new Redis(url, {
    keyPrefix: settings.keyPrefix,
    lazyConnect: true,
    // Commands issued in the same tick (many concurrent requests) leave in one write: one system call, not many.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: Math.max(1_000, settings.commandTimeoutMs * 4),
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000)
  })
  logOutages(client, log)
  await client.connect().catch(() => {})
  return client
}

/** One warning when Redis goes away and one note when it is back, however many reconnection attempts lie between. */
function logOutages(client: Redis, log: FastifyBaseLogger): void {
  let reachable = true
  // A dropped connection shows as `reconnecting`; a connection that cannot be made as `error`.
  const lost = (err?: Error) => {
    if (!reachable) return
    reachable = false
    log.warn({ err }, 'redis is unreachable: the cache is bypassed and rate limits count per process until it is back')
  }
  client.on('error', lost)
  client.on('reconnecting', () => lost())
  client.on('ready', () => {
    if (reachable) return
    reachable = true
    log.info('redis is reachable again')
  })
}

/** Closes politely when Redis answers, and at once when it does not. */
export async function closeRedis(client: Redis): Promise<void> {
  await client.quit().catch(() => client.disconnect())
}

/** Runs a MULTI block and fails if any of its commands failed, not only when the block as a whole did. */
export async function execAll(multi: ChainableCommander): Promise<unknown[]> {
  const results = await multi.exec()
  if (!results) throw new Error('redis transaction aborted')
  return results.map(([err, value]) => {
    if (err) throw err
    return value
  })
}
