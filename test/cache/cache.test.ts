import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { StoreCache, noCache, type CacheStore } from '../../src/cache/cache.js'
import { MemoryCacheStore } from '../../src/cache/memory-store.js'
import { createCache } from '../../src/cache/open.js'
import { RedisCacheStore } from '../../src/cache/redis-store.js'
import { testConfig } from '../helpers/app.js'

const log = pino({ level: 'silent' })
const redisUrl = process.env.REDIS_URL
const redis = redisUrl ? new Redis(redisUrl, { keyPrefix: `test:${randomUUID()}:` }) : null
afterAll(() => redis?.quit())

/** Resolves when the test says so: holds a write open while reads happen. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

const stores: Array<[string, () => CacheStore]> = [['memory', () => new MemoryCacheStore(1_000)]]
const redisStore = (client: Redis) => new RedisCacheStore(client, { localEntries: 1_000, localTtlMs: 60_000 })
if (redis) stores.push(['redis', () => redisStore(redis)])

describe.each(stores)('StoreCache over the %s store', (_name, makeStore) => {
  const tenant = () => randomUUID()

  describe('wrap', () => {
    it('should load once and serve the cached value after', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      let loads = 0
      const load = async () => ({ n: ++loads })
      expect(await cache.tenant(id).wrap('k', 60, load)).toEqual({ n: 1 })
      expect(await cache.tenant(id).wrap('k', 60, load)).toEqual({ n: 1 })
      expect(loads).toBe(1)
    })

    it('should look the version up once for all the reads of one request', async () => {
      const { store, versionLookups } = countingStore(makeStore())
      const cache = new StoreCache(store, log)
      const id = tenant()
      const since = performance.now()
      await cache.tenant(id, since).wrap('principal', 60, async () => 'owner')
      await cache.tenant(id, since).wrap('overview', 60, async () => 'Acme')
      expect(versionLookups()).toBe(1)
      await cache.tenant(id, performance.now()).wrap('overview', 60, async () => 'Acme')
      expect(versionLookups()).toBe(2)
    })

    it('should show a request the write it made itself, though its earlier reads looked the version up before', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      const since = performance.now()
      expect(await cache.tenant(id, since).wrap('k', 60, async () => 'old')).toBe('old')
      await cache.invalidating(id, async () => 'written')
      expect(await cache.tenant(id, since).wrap('k', 60, async () => 'new')).toBe('new')
    })

    it('should show a read that began after a write what the write left, even when an earlier lookup is at hand', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      expect(await cache.tenant(id, performance.now()).wrap('k', 60, async () => 'old')).toBe('old')
      await cache.invalidating(id, async () => 'written')
      expect(await cache.tenant(id, performance.now()).wrap('k', 60, async () => 'new')).toBe('new')
    })

    it('should keep tenants apart under the same key', async () => {
      const cache = new StoreCache(makeStore(), log)
      await cache.tenant(tenant()).wrap('k', 60, async () => 'a')
      expect(await cache.tenant(tenant()).wrap('k', 60, async () => 'b')).toBe('b')
    })

    it('should not cache a load that throws', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      await expect(cache.tenant(id).wrap('k', 60, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'fresh')).toBe('fresh')
    })

    it('should hand out values as JSON would return them, frozen so that no request can change them for the next', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      const at = new Date('2026-01-02T03:04:05.000Z')
      const load = async () => ({ at, items: [{ n: 1 }], gone: undefined })
      for (const value of [await cache.tenant(id).wrap('k', 60, load), await cache.tenant(id).wrap('k', 60, load)]) {
        expect(value).toEqual({ at: '2026-01-02T03:04:05.000Z', items: [{ n: 1 }] })
        expect(() => value.items.push({ n: 2 })).toThrow(TypeError)
        expect(() => Object.assign(value.items[0]!, { n: 3 })).toThrow(TypeError)
      }
    })

    it('should cache a null answer', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      let loads = 0
      const load = async () => (loads++, null)
      expect(await cache.tenant(id).wrap('k', 60, load)).toBeNull()
      expect(await cache.tenant(id).wrap('k', 60, load)).toBeNull()
      expect(loads).toBe(1)
    })

    it('should expire entries after their TTL', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      await cache.tenant(id).wrap('k', 1, async () => 'old')
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      expect(await cache.tenant(id).wrap('k', 1, async () => 'new')).toBe('new')
    })
  })

  describe('invalidating', () => {
    it('should make every entry of the tenant, and only of that tenant, load again', async () => {
      const cache = new StoreCache(makeStore(), log)
      const [a, b] = [tenant(), tenant()]
      await cache.tenant(a).wrap('x', 60, async () => 'a-old')
      await cache.tenant(a).wrap('y', 60, async () => 'a-old')
      await cache.tenant(b).wrap('x', 60, async () => 'b-old')
      await cache.invalidating(a, async () => {})
      expect(await cache.tenant(a).wrap('x', 60, async () => 'a-new')).toBe('a-new')
      expect(await cache.tenant(a).wrap('y', 60, async () => 'a-new')).toBe('a-new')
      expect(await cache.tenant(b).wrap('x', 60, async () => 'b-new')).toBe('b-old')
    })

    it('should have invalidateTenant drop the tenant’s entries after a change made elsewhere', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      await cache.tenant(id).wrap('k', 60, async () => 'old')
      await cache.invalidateTenant(id)
      expect(await cache.tenant(id).wrap('k', 60, async () => 'new')).toBe('new')
    })

    it('should neither serve nor store entries while the write is in flight', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      await cache.tenant(id).wrap('k', 60, async () => 'before')
      const commit = gate()
      const writing = cache.invalidating(id, () => commit.opened)
      // A read during the write sees whatever the database has, and must not keep it: the write may not be committed.
      expect(await cache.tenant(id).wrap('k', 60, async () => 'during')).toBe('during')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'during again')).toBe('during again')
      commit.open()
      await writing
      expect(await cache.tenant(id).wrap('k', 60, async () => 'after')).toBe('after')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'unused')).toBe('after')
    })

    it('should keep caching off until the last of two overlapping writes is over', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      const [first, second] = [gate(), gate()]
      const writes = [cache.invalidating(id, () => first.opened), cache.invalidating(id, () => second.opened)]
      first.open()
      await writes[0]
      await cache.tenant(id).wrap('k', 60, async () => 'between')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'still loading')).toBe('still loading')
      second.open()
      await writes[1]
      await cache.tenant(id).wrap('k', 60, async () => 'after')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'unused')).toBe('after')
    })

    it('should publish a new version when the write fails, and pass its error on', async () => {
      const cache = new StoreCache(makeStore(), log)
      const id = tenant()
      await cache.tenant(id).wrap('k', 60, async () => 'before')
      await expect(cache.invalidating(id, () => Promise.reject(new Error('rolled back')))).rejects.toThrow('rolled back')
      expect(await cache.tenant(id).wrap('k', 60, async () => 'reloaded')).toBe('reloaded')
    })
  })
})

describe.skipIf(!redisUrl)('StoreCache over Redis, in several processes', () => {
  const processes = () => {
    const prefix = `test:${randomUUID()}:`
    const clients = [new Redis(redisUrl!, { keyPrefix: prefix, enableAutoPipelining: true }), new Redis(redisUrl!, { keyPrefix: prefix })]
    return { caches: clients.map((client) => new StoreCache(redisStore(client), log)), close: () => Promise.all(clients.map((c) => c.quit())) }
  }

  it('should serve one process the entry another stored, and each its own copy after', async () => {
    const { caches, close } = processes()
    const [a, b] = caches as [StoreCache, StoreCache]
    const id = randomUUID()
    await a.tenant(id).wrap('k', 60, async () => ({ from: 'a' }))
    expect(await b.tenant(id).wrap('k', 60, async () => ({ from: 'b' }))).toEqual({ from: 'a' })
    expect(await b.tenant(id).wrap('k', 60, async () => ({ from: 'b' }))).toEqual({ from: 'a' })
    await close()
  })

  it('should stop serving a process’s own copies as soon as another process has written', async () => {
    const { caches, close } = processes()
    const [a, b] = caches as [StoreCache, StoreCache]
    const id = randomUUID()
    await b.tenant(id).wrap('k', 60, async () => 'old')
    const commit = gate()
    const writing = a.invalidating(id, () => commit.opened)
    expect(await b.tenant(id).wrap('k', 60, async () => 'during')).toBe('during')
    commit.open()
    await writing
    expect(await b.tenant(id).wrap('k', 60, async () => 'new')).toBe('new')
    expect(await b.tenant(id).wrap('k', 60, async () => 'unused')).toBe('new')
    await close()
  })
})

/** A store that counts its version lookups. */
function countingStore(inner: CacheStore) {
  let lookups = 0
  const store: CacheStore = {
    version: (id) => {
      lookups++
      return inner.version(id)
    },
    beginWrite: (id, token) => inner.beginWrite(id, token),
    endWrite: (id, token) => inner.endWrite(id, token),
    get: (key) => inner.get(key),
    set: (key, value, ttl) => inner.set(key, value, ttl)
  }
  return { store, versionLookups: () => lookups }
}

/** A store that can be switched off, like Redis going away. */
function flakyStore() {
  const inner = new MemoryCacheStore(1_000)
  const state = { down: false }
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => (state.down ? Promise.reject(new Error('store down')) : fn(...args))
  const store: CacheStore = {
    version: guard((id: string) => inner.version(id)),
    beginWrite: guard((id: string, token: string) => inner.beginWrite(id, token)),
    endWrite: guard((id: string, token?: string) => inner.endWrite(id, token)),
    get: guard((key: string) => inner.get(key)),
    set: guard((key: string, value: unknown, ttl: number) => inner.set(key, value, ttl))
  }
  return { store, state }
}

describe('StoreCache when its store fails', () => {
  it('should load from the source and still run writes', async () => {
    const { store, state } = flakyStore()
    const cache = new StoreCache(store, log)
    state.down = true
    expect(await cache.tenant('t').wrap('k', 60, async () => 'loaded')).toBe('loaded')
    expect(await cache.invalidating('t', async () => 'written')).toBe('written')
  })

  it('should not serve entries older than a write whose invalidation was lost, until it is delivered', async () => {
    const { store, state } = flakyStore()
    const cache = new StoreCache(store, log)
    await cache.tenant('t').wrap('k', 60, async () => 'before')
    state.down = true
    await cache.invalidating('t', async () => {})
    // The store is back with the old entry still in it; the lost invalidation is delivered before it is read.
    state.down = false
    expect(await cache.tenant('t').wrap('k', 60, async () => 'after')).toBe('after')
  })

  it('should deliver lost invalidations on request, e.g. when Redis reconnects', async () => {
    const { store, state } = flakyStore()
    const cache = new StoreCache(store, log)
    const other = new StoreCache(store, log)
    await other.tenant('t').wrap('k', 60, async () => 'before')
    state.down = true
    await cache.invalidating('t', async () => {})
    state.down = false
    await cache.deliverPending()
    expect(await other.tenant('t').wrap('k', 60, async () => 'after')).toBe('after')
  })
})

describe('createCache', () => {
  it('should cache in memory only in the embedded mode (no DATABASE_URL, no REDIS_URL)', () => {
    expect(createCache(testConfig({ REDIS_URL: undefined }), null, log)).toBeInstanceOf(StoreCache)
  })

  it('should not cache at all on PostgreSQL without Redis, where other processes may write', () => {
    expect(createCache(testConfig({ REDIS_URL: undefined, DATABASE_URL: 'postgres://localhost/x' }), null, log)).toBe(noCache)
  })

  it('should cache in memory on PostgreSQL when CACHE_STORE=memory promises a single process', () => {
    expect(createCache(testConfig({ REDIS_URL: undefined, DATABASE_URL: 'postgres://localhost/x', CACHE_STORE: 'memory' }), null, log)).toBeInstanceOf(StoreCache)
  })

  it('should not cache with CACHE_STORE=none, even in the embedded mode', () => {
    expect(createCache(testConfig({ REDIS_URL: undefined, CACHE_STORE: 'none' }), null, log)).toBe(noCache)
  })
})
