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
    const window = open && open.endsAt > now ? { count: open.count + 1, endsAt: open.endsAt } : { count: 1, endsAt: now + windowMs }
    this.windows.set(key, window)
    return { count: window.count, resetMs: window.endsAt - now }
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key)
  }
}

/** Opens the window if there is none, counts the hit, reads what is left of the window: atomic, one command. */
const HIT_SCRIPT = `
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
return {count, redis.call('PTTL', KEYS[1])}`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    windowHit(key: string, windowMs: number): Result<[number, number], Context>
  }
}

export class RedisWindowCounter implements WindowCounter {
  constructor(private readonly redis: Redis) {
    // A script rather than a MULTI block, so that auto-pipelining sends it along with other requests' commands.
    redis.defineCommand('windowHit', { numberOfKeys: 1, lua: HIT_SCRIPT })
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = await this.redis.windowHit(key, windowMs)
    return { count, resetMs: Math.max(ttl, 0) }
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

  async reset(key: string): Promise<void> {
    await Promise.all([this.shared.reset(key).catch(() => {}), this.local.reset(key)])
  }
}

export function createWindowCounter(redis: Redis | null, log: FastifyBaseLogger): WindowCounter {
  const local = new MemoryWindowCounter()
  return redis ? new FailoverWindowCounter(new RedisWindowCounter(redis), local, log) : local
}
