import { afterEach, describe, expect, it, vi } from 'vitest'
import { cacheable, isFrozenJson, noCache, type Cache } from '../../../src/cache/cache.js'
import type { Database } from '../../../src/db/database.js'
import type { ClientFactory } from '../../../src/marketplaces/from-config.js'
import { TenantsService } from '../../../src/modules/tenants/service.js'
import type { MultiFernet } from '../../../src/security/fernet.js'

const HOUR_MS = 60 * 60_000
const T0 = Date.parse('2026-12-01T12:00:00.000Z')

/** A row as the overview statement returns it; the free plan syncs hourly, so it is stale two hours after its last sync. */
const row = (lastSuccessAt: string | null) => ({
  id: '00000000-0000-0000-0000-0000000000a1',
  name: 'Acme',
  marketplace_type: 'wildberries',
  created_at: '2026-11-01T00:00:00.000Z',
  low_stock_threshold: 10,
  low_stock_days: null,
  plan: 'free',
  subscription_status: 'active',
  credentials: [],
  last_success_at: lastSuccessAt,
  last_error: null,
  active_job_id: null
})

/** A cache that always hits `value`, as a cached read does; `db` answers the rows of a cache that holds nothing. */
function service(value: unknown, cache?: Cache) {
  const hit: Cache = { ...noCache, tenant: () => ({ wrap: async <T>() => value as T }) }
  const db = { tenantRead: async () => [value] } as unknown as Database
  return new TenantsService({ db, cipher: {} as MultiFernet, clients: {} as ClientFactory, cache: cache ?? hit, cacheTtlSeconds: 60 })
}
const auth = { tenantId: '00000000-0000-0000-0000-0000000000a1', startedAt: 0 }

afterEach(() => vi.useRealTimers())

describe('TenantsService', () => {
  describe('overview', () => {
    it('should answer a cached row with one frozen value, until the clock makes the tenant stale', async () => {
      vi.useFakeTimers({ now: T0 })
      const tenants = service(cacheable(row(new Date(T0 - HOUR_MS).toISOString())))
      const first = await tenants.overview(auth)
      expect(first.sync.stale).toBe(false)
      expect(isFrozenJson(first)).toBe(true)
      vi.setSystemTime(T0 + HOUR_MS) // exactly two hours after the sync: not stale yet
      expect(await tenants.overview(auth)).toBe(first)
      vi.setSystemTime(T0 + HOUR_MS + 1)
      const later = await tenants.overview(auth)
      expect(later.sync.stale).toBe(true)
      expect(later).toEqual({ ...first, sync: { ...first.sync, stale: true } })
      expect(await tenants.overview(auth)).toBe(later)
    })

    it('should build the answer of an uncached row afresh each time', async () => {
      vi.useFakeTimers({ now: T0 })
      const tenants = service(row(null), noCache)
      const [a, b] = [await tenants.overview(auth), await tenants.overview(auth)]
      expect(a).toEqual(b)
      expect(a).not.toBe(b)
      expect(a.sync).toMatchObject({ last_success_at: null, stale: false })
    })
  })
})
