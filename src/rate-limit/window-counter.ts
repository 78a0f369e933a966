import type { FastifyBaseLogger } from 'fastify'
import type { Redis, Result } from 'ioredis'
import { LRUCache } from 'lru-cache'

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number
  /** Milliseconds until the window closes and the count starts again. */
  resetMs: number
}

/**
 * Fixed-window hit counters: the first hit of a key opens a window of `windowMs`, later hits add to it. Every rate
 * limit of the service counts here, so they are shared across processes through Redis, or per process without it.
 */
export interface WindowCounter {
  hit(key: string, windowMs: number): Promise<WindowCount>
  /** Takes one hit back, for a request that was counted before it turned out not to count (its window stays). */
  unhit(key: string): Promise<void>
  reset(key: string): Promise<void>
}

/** Keys tracked by one process at most; the least recently hit go first. */
const MEMORY_KEYS = 100_000

export class MemoryWindowCounter implements WindowCounter {
  // Bounded by size (one per entry) rather than `max`: with `max`, lru-cache allocates all 100,000 slots up front,
  // ~25 ms of every start-up for room that a quiet process never fills.
  private readonly windows = new LRUCache<string, { count: number; endsAt: number }>({ maxSize: MEMORY_KEYS, sizeCalculation: () => 1 })

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now()
    const open = this.windows.get(key)
    if (open && open.endsAt > now) {
      open.count += 1
      return { count: open.count, resetMs: open.endsAt - now }
    }
    this.windows.set(key, { count: 1, endsAt: now + windowMs })
    return { count: 1, resetMs: windowMs }
  }

  async unhit(key: string): Promise<void> {
    const open = this.windows.get(key)
    if (open && open.count > 0) open.count -= 1
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key)
  }
}

/**
 * Lua that opens the window at `key` if there is none (`windowMs` long), counts the hit and reads what is left of the
 * window into `count` and `ttl`. Shared by the counter's script and by scripts that count a hit along with other work
 * (the cache's version lookup), so both count the same way.
 */
export const windowHitLua = (key: string, windowMs: string) => `
redis.call('SET', ${key}, 0, 'PX', ${windowMs}, 'NX')
local count = redis.call('INCR', ${key})
local ttl = redis.call('PTTL', ${key})`

/** `windowHitLua`'s result as a count. */
export const windowCount = (count: number, ttl: number): WindowCount => ({ count, resetMs: Math.max(ttl, 0) })

/** Atomic, one command. */
const HIT_SCRIPT = `${windowHitLua('KEYS[1]', 'ARGV[1]')}
return {count, ttl}`

/** Decrements a window that is still open; one whose time ran out is left alone rather than created. */
const UNHIT_SCRIPT = `
if redis.call('DECR', KEYS[1]) < 0 then redis.call('DEL', KEYS[1]) end`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    windowHit(key: string, windowMs: number): Result<[number, number], Context>
    windowUnhit(key: string): Result<null, Context>
  }
}

export class RedisWindowCounter implements WindowCounter {
  constructor(private readonly redis: Redis) {
    // A script rather than a MULTI block, so that auto-pipelining sends it along with other requests' commands.
    redis.defineCommand('windowHit', { numberOfKeys: 1, lua: HIT_SCRIPT })
    redis.defineCommand('windowUnhit', { numberOfKeys: 1, lua: UNHIT_SCRIPT })
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = await this.redis.windowHit(key, windowMs)
    return windowCount(count, ttl)
  }

  async unhit(key: string): Promise<void> {
    await this.redis.windowUnhit(key)
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(key)
  }
}

/**
 * Redis while it answers, this process's memory while it does not: limits keep holding during an outage, per
 * process instead of shared. Counts start over on each switch, which errs towards letting requests through.
 */
export class FailoverWindowCounter implements WindowCounter {
  constructor(
    private readonly shared: WindowCounter,
    private readonly local: WindowCounter,
    private readonly log: FastifyBaseLogger
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    return this.shared.hit(key, windowMs).catch((err: unknown) => {
      this.log.debug({ err }, 'rate-limit store unavailable; counting in this process')
      return this.local.hit(key, windowMs)
    })
  }

  async unhit(key: string): Promise<void> {
    await this.shared.unhit(key).catch(() => this.local.unhit(key))
  }

  async reset(key: string): Promise<void> {
    await Promise.all([this.shared.reset(key).catch(() => {}), this.local.reset(key)])
  }
}

export function createWindowCounter(redis: Redis | null, log: FastifyBaseLogger): WindowCounter {
  const local = new MemoryWindowCounter()
  return redis ? new FailoverWindowCounter(new RedisWindowCounter(redis), local, log) : local
}
