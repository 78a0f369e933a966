import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scheduleDueSyncs } from '../../../src/jobs/sync-scheduler.js'
import { syncJobs } from '../../../src/db/schema.js'
import type { SellerInput } from '../../../src/fake-marketplace/sellers.js'
import { setPlan } from '../../../src/modules/tenants/repository.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { tenantWithWildberries as connectWildberries, runSync as runSyncOf, waitForSync } from '../../helpers/sync.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

/** A catalogue large enough for several pages, with sizes and warehouses of both kinds. */
const tenantWithWildberries = (seller: Partial<SellerInput> = {}) =>
  connectWildberries(t, { products: 120, sizesPerProduct: 2, sellerWarehouses: 2, fboWarehouses: 1, ...seller })
const runSync = (owner: Account) => runSyncOf(t, owner)
const waitForJob = (owner: Account, id: string, timeoutMs?: number) => waitForSync(t, owner, id, timeoutMs)

async function counts(tenantId: string) {
  return t.app.db.tenant(tenantId, async (_tx, raw) => {
    const one = async (sql: string) => (await raw.query<{ n: number }>(sql)).rows[0]!.n
    return {
      products: await one('SELECT count(*)::int AS n FROM products WHERE NOT archived'),
      archived: await one('SELECT count(*)::int AS n FROM products WHERE archived'),
      skus: await one('SELECT count(*)::int AS n FROM skus'),
      levels: await one('SELECT count(*)::int AS n FROM stock_levels'),
      history: await one('SELECT count(*)::int AS n FROM stock_history'),
      // The attempt's staging tables are temporary tables of its connection, gone once it is over.
      staged: await one(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'sync_stage_%' AND relpersistence = 't'`)
    }
  })
}

describe('sync', () => {
  describe('POST /api/v1/products/sync', () => {
    it('should answer 409 without stored credentials', async () => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })
      expect(res.statusCode).toBe(409)
      expect(res.json().type).toMatch(/no-credentials$/)
    })

    it('should sync products, SKUs, warehouses and stock end to end', async () => {
      const { owner } = await tenantWithWildberries()
      const job = await runSync(owner)
      expect(job).toMatchObject({ status: 'succeeded', trigger: 'manual', marketplaces: ['wildberries'], error: null })
      expect(job.progress.products).toBe(120)
      const c = await counts(owner.tenantId)
      expect(c).toMatchObject({ products: 120, skus: 240, staged: 0 })
      expect(c.levels).toBeGreaterThan(0)
      // A first sync's levels are their series' only observations: no history yet.
      expect(c.history).toBe(0)
      const tenant = (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()
      expect(tenant.credentials[0].status).toBe('valid')
      const units = await t.app.db.tenant(owner.tenantId, async (_tx, raw) => (await raw.query<{ units: number }>('SELECT sum(quantity)::int AS units FROM stock_levels')).rows[0]!.units)
      const list = (await t.app.inject({ url: '/api/v1/products?limit=200', headers: owner.headers })).json()
      expect(list.total).toBe(120)
      expect(list.items.reduce((sum: number, p: { total_stock: number }) => sum + p.total_stock, 0)).toBe(units)
    })

    it('should add no history when the same sync runs twice', async () => {
      const { owner } = await tenantWithWildberries()
      await runSync(owner)
      const before = await counts(owner.tenantId)
      await runSync(owner)
      expect(await counts(owner.tenantId)).toEqual(before)
    })

    it('should record history only for levels that changed', async () => {
      const { owner, apiKey } = await tenantWithWildberries()
      await runSync(owner)
      const before = await counts(owner.tenantId)
      t.fake.sellers.update(apiKey, { stockVersion: 1 })
      await runSync(owner)
      const after = await counts(owner.tenantId)
      expect(after.history).toBeGreaterThan(before.history)
      expect(after.history - before.history).toBeLessThan(before.levels)
    })

    it('should archive products gone from the marketplace, never delete them', async () => {
      const { owner, apiKey } = await tenantWithWildberries()
      await runSync(owner)
      t.fake.sellers.update(apiKey, { removedProducts: [0, 1, 2] })
      await runSync(owner)
      expect(await counts(owner.tenantId)).toMatchObject({ products: 117, archived: 3 })
    })

    it('should bring back archived products that return and store the marketplace’s current details', async () => {
      const { owner, apiKey } = await tenantWithWildberries()
      await runSync(owner)
      const details = (tenantId: string) =>
        t.app.db.tenant(tenantId, async (_tx, raw) => {
          const products = await raw.query('SELECT external_id, name, vendor_code, archived, archived_at FROM products ORDER BY external_id')
          const skus = await raw.query('SELECT external_id, product_id, size, barcodes FROM skus ORDER BY external_id')
          return { products: products.rows, skus: skus.rows }
        })
      const synced = await details(owner.tenantId)
      t.fake.sellers.update(apiKey, { removedProducts: [0] })
      await runSync(owner)
      t.fake.sellers.update(apiKey, { removedProducts: [] })
      await t.app.db.tenant(owner.tenantId, async (_tx, raw) => {
        await raw.query(`UPDATE products SET name = 'stale', vendor_code = NULL WHERE external_id = (SELECT max(external_id) FROM products)`)
        await raw.query(`UPDATE skus SET size = 'stale', barcodes = '{}' WHERE external_id = (SELECT max(external_id) FROM skus)`)
      })
      await runSync(owner)
      expect(await details(owner.tenantId)).toEqual(synced)
      expect(await counts(owner.tenantId)).toMatchObject({ products: 120, archived: 0 })
    })

    it('should return the same job for a burst of requests', async () => {
      const { owner } = await tenantWithWildberries()
      const results = await Promise.all(Array.from({ length: 8 }, () => t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })))
      expect(results.every((r) => r.statusCode === 202)).toBe(true)
      expect(new Set(results.map((r) => r.json().job_id)).size).toBe(1)
      await waitForJob(owner, results[0]!.json().job_id)
    })

    it('should mark credentials invalid and fail at once when the marketplace rejects the key', async () => {
      const { owner, apiKey } = await tenantWithWildberries()
      t.fake.sellers.remove(apiKey)
      const job = await runSync(owner)
      expect(job).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'credentials_invalid' } })
      const tenant = (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()
      expect(tenant.credentials[0].status).toBe('invalid')
    })

    it('should leave the previous data intact when a sync fails midway', async () => {
      const { owner, apiKey } = await tenantWithWildberries()
      await runSync(owner)
      const before = await counts(owner.tenantId)
      t.fake.sellers.update(apiKey, { stockVersion: 5, removedProducts: [0] })
      t.fake.faults.add({ route: '/content/v2/get/cards/list', kind: 'server_error', status: 500, times: 1000, after: 1, apiKey })
      const job = await waitForJob(owner, (await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })).json().job_id, 60_000)
      t.fake.faults.clear()
      expect(job.status).toBe('failed')
      expect(job.attempts).toBeGreaterThan(1)
      expect(await counts(owner.tenantId)).toEqual(before)
    }, 90_000)
  })

  describe('GET /api/v1/sync/jobs', () => {
    it('should list the tenant’s jobs newest first and page with a cursor', async () => {
      const { owner } = await tenantWithWildberries({ products: 3 })
      await runSync(owner)
      await runSync(owner)
      const first = (await t.app.inject({ url: '/api/v1/sync/jobs?limit=1', headers: owner.headers })).json()
      expect(first.items).toHaveLength(1)
      const second = (await t.app.inject({ url: `/api/v1/sync/jobs?limit=1&cursor=${first.next_cursor}`, headers: owner.headers })).json()
      expect(second.items).toHaveLength(1)
      expect(second.items[0].id).not.toBe(first.items[0].id)
      expect((await t.app.inject({ url: '/api/v1/sync/jobs?cursor=garbage', headers: owner.headers })).statusCode).toBe(422)
    })

    it('should answer 404 for another tenant’s job', async () => {
      const { owner } = await tenantWithWildberries({ products: 3 })
      const job = await runSync(owner)
      const stranger = await registerTenant(t.app)
      expect((await t.app.inject({ url: `/api/v1/sync/jobs/${job.id}`, headers: stranger.headers })).statusCode).toBe(404)
      expect((await t.app.inject({ url: '/api/v1/sync/jobs', headers: stranger.headers })).json().items).toEqual([])
    })
  })
})

describe('sync health on GET /api/v1/tenants/me', () => {
  it('should show the last success, the last error and staleness', async () => {
    const { owner, apiKey } = await tenantWithWildberries({ products: 3 })
    const fresh = (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()
    expect(fresh.sync).toMatchObject({ last_success_at: null, last_error: null, stale: true })
    const ok = await runSync(owner)
    const synced = (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()
    expect(synced.sync).toMatchObject({ last_success_at: ok.finished_at, last_error: null, stale: false, active_job_id: null })
    t.fake.sellers.remove(apiKey)
    await runSync(owner)
    const failed = (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()
    expect(failed.sync).toMatchObject({ last_success_at: ok.finished_at, last_error: { code: 'credentials_invalid' }, stale: false })
  })
})

describe('plans and quotas', () => {
  it('should store the first N products of a catalogue past the product quota and say the job was truncated', async () => {
    const { owner } = await tenantWithWildberries({ products: 1005, sizesPerProduct: 1, sellerWarehouses: 1, fboWarehouses: 0 })
    const job = await runSync(owner)
    expect(job).toMatchObject({ status: 'succeeded', truncated: true })
    expect(job.error.detail).toContain('1000 products')
    // The truncated products' SKUs and stock are left out with them: one size and one warehouse each.
    expect(await counts(owner.tenantId)).toMatchObject({ products: 1000, skus: 1000, levels: 1000, history: 0 })
  }, 60_000)

  it('should refuse manual syncs past the plan’s daily allowance with a 403 naming the quota', async () => {
    const { owner } = await tenantWithWildberries({ products: 3 })
    await t.app.db.tenant(owner.tenantId, (tx) =>
      tx.insert(syncJobs).values(
        Array.from({ length: 10 }, () => ({ tenantId: owner.tenantId, marketplaces: ['wildberries'], trigger: 'manual', status: 'succeeded' }))
      )
    )
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })
    expect(res.statusCode).toBe(403)
    expect(res.json().type).toMatch(/quota-exceeded\/manual-syncs$/)
    await t.app.db.system((tx) => setPlan(tx, owner.tenantId, 'enterprise'))
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })).statusCode).toBe(202)
  })
})

describe('scheduled sync', () => {
  it('should queue a scheduled sync for tenants with usable credentials whose interval has passed, once', async () => {
    const { owner } = await tenantWithWildberries({ products: 3 })
    const bare = await registerTenant(t.app)
    await scheduleDueSyncs(t.app.db, await t.app.boss(), t.app.services.sync, t.app.log)
    const jobs = (await t.app.inject({ url: '/api/v1/sync/jobs', headers: owner.headers })).json().items
    expect(jobs).toHaveLength(1)
    expect(jobs[0].trigger).toBe('scheduled')
    expect((await t.app.inject({ url: '/api/v1/sync/jobs', headers: bare.headers })).json().items).toEqual([])
    await waitForJob(owner, jobs[0].id)
    await scheduleDueSyncs(t.app.db, await t.app.boss(), t.app.services.sync, t.app.log)
    expect((await t.app.inject({ url: '/api/v1/sync/jobs', headers: owner.headers })).json().items).toHaveLength(1)
  })

  it('should not schedule tenants whose credentials are invalid', async () => {
    const { owner, apiKey } = await tenantWithWildberries({ products: 3 })
    t.fake.sellers.remove(apiKey)
    await runSync(owner)
    await t.app.db.tenant(owner.tenantId, (tx) => tx.update(syncJobs).set({ createdAt: new Date(Date.now() - 3 * 60 * 60 * 1000) }))
    await scheduleDueSyncs(t.app.db, await t.app.boss(), t.app.services.sync, t.app.log)
    expect((await t.app.inject({ url: '/api/v1/sync/jobs', headers: owner.headers })).json().items).toHaveLength(1)
  })
})

describe('Ozon sync', () => {
  it('should sync an Ozon catalogue with Client-Id and Api-Key', async () => {
    const apiKey = 'ozon-sync-key'
    t.fake.sellers.upsert({ marketplace: 'ozon', apiKey, clientId: '424242', products: 1200, sellerWarehouses: 2, fboWarehouses: 1 })
    const owner = await registerTenant(t.app, { marketplace_type: 'ozon' })
    const saved = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/me/credentials',
      headers: owner.headers,
      payload: { marketplace_type: 'ozon', api_key: apiKey, client_id: '424242' }
    })
    expect(saved.json().status).toBe('valid')
    await t.app.db.system((tx) => setPlan(tx, owner.tenantId, 'pro'))
    const job = await runSync(owner)
    expect(job).toMatchObject({ status: 'succeeded', marketplaces: ['ozon'], truncated: false })
    const c = await counts(owner.tenantId)
    expect(c.products).toBe(1200)
    expect(c.levels).toBeGreaterThan(0)
  }, 60_000)
})
