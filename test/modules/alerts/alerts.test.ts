import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StockAlertEvent } from '../../../src/modules/alerts/schemas.js'
import { validatorCompiler } from '../../../src/plugins/app/validation.js'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { daysAgo, seedCatalogue } from '../../helpers/catalogue.js'
import { patchTenant, runSync, tenantWithWildberries } from '../../helpers/sync.js'
import { waitFor } from '../../helpers/wait.js'
import { startReceiver, type Receiver } from '../../notifications/helpers/receiver.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
})
afterAll(() => t.close())

const receivers: Receiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

interface StockEvent {
  type: string
  data: { sync_job_id: string; products: Array<{ product_id: string; external_id: string; state: string; total_stock: number; threshold: number }> }
}

/** A receiver subscribed to the stock events of the tenant, and its signing secret. */
async function stockHook(owner: Account) {
  const hook = await startReceiver((res) => res.writeHead(204).end())
  receivers.push(hook)
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url: hook.url, events: ['stock.low', 'stock.out'] } })
  expect(res.statusCode, res.body).toBe(201)
  return { hook, secret: (res.json() as { secret: string }).secret }
}

/** Waits until no delivery of the tenant is pending, then returns the stock events received so far. */
async function received(owner: Account, hook: Receiver): Promise<StockEvent[]> {
  await waitFor(async () => {
    const { rows } = await t.app.db.tenant(owner.tenantId, (_tx, raw) => raw.query<{ status: string }>('SELECT status FROM webhook_messages'))
    return rows.every((r) => r.status !== 'pending' && r.status !== 'delivering')
  }, 'deliveries to settle')
  return hook.requests.map((r) => JSON.parse(r.body) as StockEvent)
}

const alerts = async (who: Account, query = '') => {
  const res = await t.app.inject({ url: `/api/v1/alerts${query}`, headers: who.headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as { items: Array<Record<string, unknown>>; next_cursor: string | null }
}

/** The tenant's products in catalogue order (the fake's product index), as the list shows them. */
async function productsByIndex(owner: Account): Promise<Array<{ id: string; external_id: string }>> {
  const res = await t.app.inject({ url: '/api/v1/products?limit=200', headers: owner.headers })
  return (res.json().items as Array<{ id: string; external_id: string }>).sort((a, b) => Number(a.external_id) - Number(b.external_id))
}

function setStock(apiKey: string, overrides: Record<string, number>) {
  expect(t.fake.sellers.update(apiKey, { stockOverrides: overrides })).toBeDefined()
}

describe('stock alerts', () => {
  describe('after a sync', () => {
    it('should send stock.low once, stock.out once, nothing more until a restock, then alert again', async () => {
      const { owner, apiKey } = await tenantWithWildberries(t, { products: 3, stockOverrides: { 0: 50, 1: 50, 2: 50 } })
      const { hook, secret } = await stockHook(owner)
      await runSync(t, owner)
      const [product] = await productsByIndex(owner)
      expect(await received(owner, hook)).toEqual([])

      const syncWith = async (quantity: number) => {
        setStock(apiKey, { 0: quantity, 1: 50, 2: 50 })
        const job = await runSync(t, owner)
        expect(job.status).toBe('succeeded')
        return job.id as string
      }
      const events = () => received(owner, hook)

      const low = await syncWith(5)
      expect(await events()).toEqual([
        {
          type: 'stock.low',
          timestamp: expect.any(String),
          data: {
            sync_job_id: low,
            products: [
              {
                product_id: product!.id,
                marketplace_type: 'wildberries',
                external_id: product!.external_id,
                vendor_code: expect.any(String),
                name: expect.any(String),
                state: 'low',
                total_stock: 5,
                threshold: 10,
                days_of_stock: null
              }
            ]
          }
        }
      ])
      const matchesSchema = validatorCompiler()({ schema: StockAlertEvent, httpPart: 'body', method: 'POST', url: '/' })
      expect(matchesSchema((await events())[0]!.data)).toBe(true)
      const request = hook.requests[0]!
      const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(request.headers[h])]))
      expect(() => new Webhook(secret).verify(request.body, headers)).not.toThrow()

      await syncWith(4)
      expect(await events()).toHaveLength(1)

      const out = await syncWith(0)
      expect((await events()).slice(1)).toEqual([
        { type: 'stock.out', timestamp: expect.any(String), data: { sync_job_id: out, products: [expect.objectContaining({ product_id: product!.id, state: 'out', total_stock: 0 })] } }
      ])

      // Partly restocked but still low, then out again: the out alert has been sent, nothing repeats.
      await syncWith(3)
      await syncWith(0)
      expect(await events()).toHaveLength(2)

      await syncWith(40)
      expect(await events()).toHaveLength(2)
      expect((await alerts(owner)).items).toEqual([])

      const again = await syncWith(2)
      expect((await events()).slice(2)).toEqual([
        { type: 'stock.low', timestamp: expect.any(String), data: { sync_job_id: again, products: [expect.objectContaining({ product_id: product!.id, total_stock: 2 })] } }
      ])
      // Nine syncs, each waited for: a few seconds apiece on a loaded machine.
    }, 120_000)

    it('should alert on products low at first sight, in one event per state', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 4, stockOverrides: { 0: 0, 1: 3, 2: 7, 3: 30 } })
      const { hook } = await stockHook(owner)
      const job = await runSync(t, owner)
      const ids = (await productsByIndex(owner)).map((p) => p.id)

      const events = await received(owner, hook)
      expect(events.map((e) => e.type).sort()).toEqual(['stock.low', 'stock.out'])
      const byType = Object.fromEntries(events.map((e) => [e.type, e.data]))
      expect(byType['stock.out']).toEqual({ sync_job_id: job.id, products: [expect.objectContaining({ product_id: ids[0], total_stock: 0 })] })
      expect(byType['stock.low']!.products.map((p) => [p.product_id, p.total_stock])).toEqual([
        [ids[1], 3],
        [ids[2], 7]
      ])
    })

    it('should use the product’s own threshold over the tenant’s', async () => {
      const { owner, apiKey } = await tenantWithWildberries(t, { products: 2, stockOverrides: { 0: 30, 1: 30 } })
      await runSync(t, owner)
      const [first] = await productsByIndex(owner)
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${first!.id}`, headers: owner.headers, payload: { low_stock_threshold: 25 } })
      expect(res.statusCode, res.body).toBe(200)
      const { hook } = await stockHook(owner)
      setStock(apiKey, { 0: 20, 1: 20 })
      await runSync(t, owner)

      const events = await received(owner, hook)
      expect(events.map((e) => e.data.products.map((p) => [p.product_id, p.threshold]))).toEqual([[[first!.id, 25]]])
    })
  })

  describe('GET /api/v1/alerts', () => {
    it('should list low and out-of-stock products, lowest stock first, with days of stock and since when', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 4, stockOverrides: { 0: 9, 1: 0, 2: 50, 3: 10 } })
      const before = Date.now()
      await runSync(t, owner)
      const ids = (await productsByIndex(owner)).map((p) => p.id)

      const { items, next_cursor } = await alerts(owner)
      expect(next_cursor).toBeNull()
      expect(items.map((a) => [a.product_id, a.state, a.total_stock, a.threshold])).toEqual([
        [ids[1], 'out', 0, 10],
        [ids[0], 'low', 9, 10],
        [ids[3], 'low', 10, 10]
      ])
      expect(items[0]).toEqual({
        product_id: ids[1],
        marketplace_type: 'wildberries',
        external_id: expect.any(String),
        vendor_code: expect.any(String),
        name: expect.any(String),
        state: 'out',
        total_stock: 0,
        threshold: 10,
        days_of_stock: null,
        sales_per_day: null,
        since: expect.any(String)
      })
      expect(new Date(items[0]!.since as string).getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect((await alerts(owner, '?state=out')).items.map((a) => a.product_id)).toEqual([ids[1]])
    })

    it('should page with a cursor without gaps or duplicates', async () => {
      const overrides = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [i, i % 3]))
      const { owner } = await tenantWithWildberries(t, { products: 7, stockOverrides: overrides })
      await runSync(t, owner)
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: Awaited<ReturnType<typeof alerts>> = await alerts(owner, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        expect(page.items.length).toBeLessThanOrEqual(2)
        seen.push(...page.items.map((a) => `${a.total_stock}:${a.product_id}`))
        cursor = page.next_cursor
      } while (cursor)
      expect(seen).toHaveLength(7)
      expect(seen).toEqual([...seen].sort())
      expect(new Set(seen).size).toBe(7)
    })

    it('should refuse a cursor of another list with 422', async () => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({ url: '/api/v1/alerts?cursor=abc.def', headers: owner.headers })
      expect(res.statusCode).toBe(422)
      expect(res.headers['content-type']).toContain('application/problem+json')
    })

    it('should be readable by every role and show another tenant nothing', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 2, stockOverrides: { 0: 1, 1: 1 } })
      await runSync(t, owner)
      expect((await alerts(await addMember(t.app, owner, 'viewer'))).items).toHaveLength(2)
      const neighbour = await registerTenant(t.app)
      expect((await alerts(neighbour)).items).toEqual([])
      expect((await t.app.inject({ url: '/api/v1/alerts' })).statusCode).toBe(401)
    })
  })

  describe('PATCH /api/v1/tenants/me', () => {
    it('should change the thresholds, shown at once by GET /tenants/me, GET /alerts and the low_stock filter', async () => {
      const owner = await registerTenant(t.app)
      await seedCatalogue(t.app.db, owner.tenantId, {
        products: [
          { externalId: 'a', stock: [{ warehouse: 'w', quantity: 12 }] },
          { externalId: 'b', stock: [{ warehouse: 'w', quantity: 30 }] },
          // 100 → 40 over ten days: six a day, 6.7 days left.
          { externalId: 'c', stock: [{ warehouse: 'w', quantity: 40, updatedAt: daysAgo(0.001), history: [{ at: daysAgo(10), quantity: 100 }] }] }
        ]
      })
      const lowNames = async () => {
        const res = await t.app.inject({ url: '/api/v1/products?low_stock=true', headers: owner.headers })
        return (res.json().items as Array<{ external_id: string }>).map((p) => p.external_id).sort()
      }
      expect((await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()).toMatchObject({ low_stock_threshold: 10, low_stock_days: null })
      expect(await lowNames()).toEqual([])

      expect(await patchTenant(t, owner, { low_stock_threshold: 12 })).toMatchObject({ low_stock_threshold: 12, low_stock_days: null })
      expect((await alerts(owner)).items.map((a) => [a.external_id, a.threshold])).toEqual([['a', 12]])
      expect(await lowNames()).toEqual(['a'])

      expect(await patchTenant(t, owner, { low_stock_days: 7 })).toMatchObject({ low_stock_threshold: 12, low_stock_days: 7 })
      const { items } = await alerts(owner)
      expect(items.map((a) => a.external_id)).toEqual(['a', 'c'])
      expect(items[1]!.days_of_stock).toBeCloseTo(6.67, 1)
      expect(await lowNames()).toEqual(['a', 'c'])
      const notLow = await t.app.inject({ url: '/api/v1/products?low_stock=false', headers: owner.headers })
      expect(notLow.json().items.map((p: { external_id: string }) => p.external_id)).toEqual(['b'])

      expect(await patchTenant(t, owner, { low_stock_threshold: 0, low_stock_days: null })).toMatchObject({ low_stock_threshold: 0, low_stock_days: null })
      expect((await alerts(owner)).items).toEqual([])
      expect(await lowNames()).toEqual([])
      expect((await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()).toMatchObject({ low_stock_threshold: 0, low_stock_days: null })
    })

    it('should let an admin change thresholds but only the owner rename, and users neither', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      const user = await addMember(t.app, owner, 'user')
      const patch = (who: Account, payload: object) => t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: who.headers, payload })

      expect((await patch(admin, { low_stock_threshold: 3, low_stock_days: 14 })).statusCode).toBe(200)
      expect((await patch(admin, { name: 'Taken over' })).statusCode).toBe(403)
      expect((await patch(admin, { low_stock_threshold: 4, name: 'Taken over' })).statusCode).toBe(403)
      expect((await patch(user, { low_stock_threshold: 1 })).statusCode).toBe(403)
      expect((await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json()).toMatchObject({ low_stock_threshold: 3, low_stock_days: 14 })
    })

    it.each([
      [{ low_stock_threshold: -1 }],
      [{ low_stock_threshold: 2.5 }],
      [{ low_stock_threshold: null }],
      [{ low_stock_days: 0 }],
      [{ low_stock_days: '7' }],
      [{}],
      [{ name: 'a', company_name: 'b' }]
    ])('should refuse %j with 422', async (payload) => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload })
      expect(res.statusCode, res.body).toBe(422)
      expect(res.headers['content-type']).toContain('application/problem+json')
    })
  })
})
