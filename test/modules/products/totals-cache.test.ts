import { describe, expect, it } from 'vitest'
import { TotalsCache } from '../../../src/modules/products/totals-cache.js'

describe('TotalsCache', () => {
  const clockAt = (start: number) => {
    const clock = { now: start, read: () => clock.now }
    return clock
  }

  it('should give back a total for the version it was counted at', () => {
    const cache = new TotalsCache({ maxEntries: 10, ttlMs: 1_000 })
    cache.set('t1:{}', 'v1', 42)
    expect(cache.get('t1:{}', 'v1')).toBe(42)
    expect(cache.get('t1:{"q":"mug"}', 'v1')).toBeUndefined()
  })

  it('should miss once the catalogue version moves', () => {
    const cache = new TotalsCache({ maxEntries: 10, ttlMs: 1_000 })
    cache.set('k', 'v1', 42)
    expect(cache.get('k', 'v2')).toBeUndefined()
    cache.set('k', 'v2', 43)
    expect(cache.get('k', 'v2')).toBe(43)
  })

  it('should miss after the time to live', () => {
    const clock = clockAt(1_000)
    const cache = new TotalsCache({ maxEntries: 10, ttlMs: 500, clock: clock.read })
    cache.set('k', 'v', 1)
    clock.now = 1_499
    expect(cache.get('k', 'v')).toBe(1)
    clock.now = 1_500
    expect(cache.get('k', 'v')).toBeUndefined()
  })

  it('should drop the entry set longest ago when full', () => {
    const cache = new TotalsCache({ maxEntries: 2, ttlMs: 1_000 })
    cache.set('a', 'v', 1)
    cache.set('b', 'v', 2)
    cache.set('a', 'v', 3)
    cache.set('c', 'v', 4)
    expect(cache.get('b', 'v')).toBeUndefined()
    expect(cache.get('a', 'v')).toBe(3)
    expect(cache.get('c', 'v')).toBe(4)
  })
})
