import { gunzipSync } from 'node:zlib'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditEvents, products, tenants } from '../../../src/db/schema.js'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { daysAgo, seedCatalogue, type ProductSeed } from '../../helpers/catalogue.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

interface Item {
  id: string
  name: string
  total_stock: number
  days_of_stock: number | null
  updated_at: string
  [field: string]: unknown
}
interface Page {
  items: Item[]
  next_cursor: string | null
  total: number
}

const get = (who: Account, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers })
const list = async (who: Account, query: Record<string, string | number | boolean> = {}): Promise<Page> => {
  const res = await get(who, `/api/v1/products?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const names = (page: Page) => page.items.map((item) => item.name)

/** A tenant with a catalogue of its own; `seed` names products by external id. */
async function tenantWith(seedProducts: ProductSeed[]) {
  const owner = await registerTenant(t.app)
  const ids = await seedCatalogue(t.app.db, owner.tenantId, { products: seedProducts })
  return { owner, ids }
}

/** Walks every page of a list and returns the ids in the order served. */
async function allPages(who: Account, query: Record<string, string | number | boolean>): Promise<string[]> {
  const seen: string[] = []
  let cursor: string | null = null
  for (let pages = 0; pages < 100; pages += 1) {
    const page: Page = await list(who, cursor ? { ...query, cursor } : query)
    seen.push(...page.items.map((item) => item.id))
    cursor = page.next_cursor
    if (!cursor) return seen
  }
  throw new Error('paging did not end')
}

describe('products', () => {
  describe('GET /api/v1/products', () => {
    /** Names, stock and forecasts chosen so that every sort key has ties and days of stock has unknowns. */
    const SORT_NAMES = ['delta', 'alpha', 'charlie', 'alpha', 'bravo', 'echo', 'bravo', 'alpha', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo']
    let sorted: { owner: Account }

    beforeAll(async () => {
      const stamps = [daysAgo(3), daysAgo(2), daysAgo(1)]
      sorted = await tenantWith(
        SORT_NAMES.map((name, i) => {
          const quantity = (i * 7) % 5
          // Every third product has no history (unknown days of stock); the others sell 1 or 2 a day.
          const history = i % 3 === 0 ? undefined : [{ at: daysAgo(10), quantity: quantity + 10 * (1 + (i % 2)) }, { at: daysAgo(0.01), quantity }]
          return { externalId: `s${i}`, name, updatedAt: stamps[i % 3], stock: [{ warehouse: 'w1', quantity, history }] }
        })
      )
      // Two rows within the same millisecond: the cursor must keep microseconds to page between them.
      await t.app.db.tenant(sorted.owner.tenantId, (tx) =>
        tx.execute(sql`UPDATE products SET updated_at = ${stamps[0]!.toISOString()}::timestamptz + interval '7 microseconds' WHERE external_id IN ('s1', 's4')`)
      )
    })

    it('should answer the item fields exactly, with the total', async () => {
      const { owner } = await tenantWith([{ externalId: 'p1', name: 'Mug', vendorCode: 'MUG-1', brand: 'Acme', category: 'Kitchen', barcodes: ['4600001'], stock: [{ warehouse: 'w', quantity: 3 }] }])
      const page = await list(owner)
      expect(page.total).toBe(1)
      expect(page.next_cursor).toBeNull()
      expect(page.items[0]).toEqual({
        id: expect.any(String),
        marketplace_type: 'wildberries',
        external_id: 'p1',
        vendor_code: 'MUG-1',
        name: 'Mug',
        brand: 'Acme',
        category: 'Kitchen',
        barcodes: ['4600001'],
        total_stock: 3,
        days_of_stock: null,
        low_stock_threshold: null,
        archived: false,
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
      })
    })

    it('should answer a repeated page the same, compressed or not', async () => {
      const { owner } = await tenantWith(Array.from({ length: 40 }, (_, i) => ({ externalId: `z${i}`, name: `Zip ${i} with a name long enough to compress` })))
      const url = '/api/v1/products?limit=40'
      const plain = await get(owner, url)
      const gzip = () => t.app.inject({ method: 'GET', url, headers: { ...owner.headers, 'accept-encoding': 'gzip' } })
      // The second answer is served from the cache where there is one, as the bytes remembered for the first.
      for (const res of [await gzip(), await gzip()]) {
        expect(res.headers['content-encoding']).toBe('gzip')
        expect(JSON.parse(gunzipSync(res.rawPayload).toString())).toEqual(plain.json())
      }
      const again = await get(owner, url)
      expect(again.headers['content-length']).toBe(String(Buffer.byteLength(plain.body)))
      expect(again.json()).toEqual(plain.json())
    })

    it('should hide archived products unless asked for them', async () => {
      const { owner } = await tenantWith([{ externalId: 'live', name: 'live' }, { externalId: 'gone', name: 'gone', archived: true }])
      expect(names(await list(owner))).toEqual(['live'])
      expect(names(await list(owner, { archived: true }))).toEqual(['gone'])
      expect((await list(owner, { archived: false })).total).toBe(1)
    })

    it('should filter by marketplace', async () => {
      const { owner } = await tenantWith([{ externalId: 'wb', name: 'wb' }, { externalId: 'oz', name: 'oz', marketplaceType: 'ozon' }])
      expect(names(await list(owner, { marketplace_type: 'ozon' }))).toEqual(['oz'])
      expect(names(await list(owner, { marketplace_type: 'wildberries' }))).toEqual(['wb'])
    })

    it('should filter by a warehouse holding a stock level of the product', async () => {
      const { owner, ids } = await tenantWith([
        { externalId: 'a', name: 'a', stock: [{ warehouse: 'kazan', quantity: 1 }] },
        { externalId: 'b', name: 'b', stock: [{ warehouse: 'tula', quantity: 0 }] },
        { externalId: 'c', name: 'c', stock: [{ warehouse: 'kazan', quantity: 0 }, { warehouse: 'tula', quantity: 4 }] }
      ])
      expect(names(await list(owner, { warehouse_id: ids.warehouses.tula! }))).toEqual(['b', 'c'])
      expect(names(await list(owner, { warehouse_id: ids.warehouses.kazan! }))).toEqual(['a', 'c'])
    })

    it('should filter by stock above zero or none', async () => {
      const { owner } = await tenantWith([
        { externalId: 'a', name: 'a', stock: [{ warehouse: 'w', quantity: 2 }] },
        { externalId: 'b', name: 'b', stock: [{ warehouse: 'w', quantity: 0 }] },
        { externalId: 'c', name: 'c' }
      ])
      expect(names(await list(owner, { in_stock: true }))).toEqual(['a'])
      expect(names(await list(owner, { in_stock: false }))).toEqual(['b', 'c'])
    })

    it('should filter low stock against the product’s threshold, else the tenant’s', async () => {
      const { owner } = await tenantWith([
        { externalId: 'a', name: 'a', stock: [{ warehouse: 'w', quantity: 10 }] },
        { externalId: 'b', name: 'b', stock: [{ warehouse: 'w', quantity: 11 }] },
        { externalId: 'c', name: 'c', lowStockThreshold: 20, stock: [{ warehouse: 'w', quantity: 15 }] },
        { externalId: 'd', name: 'd', lowStockThreshold: 0, stock: [{ warehouse: 'w', quantity: 1 }] }
      ])
      expect(names(await list(owner, { low_stock: true }))).toEqual(['a', 'c'])
      expect(names(await list(owner, { low_stock: false }))).toEqual(['b', 'd'])
      // Through the cache, as every write of the tenant's threshold goes.
      await t.app.cache.invalidating(owner.tenantId, () =>
        t.app.db.system((tx) => tx.update(tenants).set({ lowStockThreshold: 11 }).where(eq(tenants.id, owner.tenantId)))
      )
      expect(names(await list(owner, { low_stock: true }))).toEqual(['a', 'b', 'c'])
    })

    it('should combine filters, counting only the matches in total', async () => {
      const { owner } = await tenantWith([
        { externalId: 'a', name: 'red a', stock: [{ warehouse: 'w', quantity: 2 }] },
        { externalId: 'b', name: 'red b' },
        { externalId: 'c', name: 'blue c', stock: [{ warehouse: 'w', quantity: 2 }] }
      ])
      const page = await list(owner, { q: 'red', in_stock: true })
      expect(names(page)).toEqual(['red a'])
      expect(page.total).toBe(1)
    })

    it('should find a product by name, vendor code or barcode, ignoring case', async () => {
      const { owner } = await tenantWith([
        { externalId: 'a', name: 'Red Mug', vendorCode: 'RM-01', barcodes: ['4600123'] },
        { externalId: 'b', name: 'Blue Plate', vendorCode: 'bp-77', barcodes: ['4600999', '2000555'] },
        { externalId: 'c', name: 'Кружка красная', vendorCode: null }
      ])
      expect(names(await list(owner, { q: 'MUG' }))).toEqual(['Red Mug'])
      expect(names(await list(owner, { q: 'BP-7' }))).toEqual(['Blue Plate'])
      expect(names(await list(owner, { q: '2000555' }))).toEqual(['Blue Plate'])
      expect(names(await list(owner, { q: '4600' }))).toEqual(['Blue Plate', 'Red Mug'])
      expect(names(await list(owner, { q: 'КРУЖКА' }))).toEqual(['Кружка красная'])
      expect((await list(owner, { q: 'teapot' })).total).toBe(0)
    })

    it('should match % and _ in the search literally', async () => {
      const { owner } = await tenantWith([
        { externalId: 'a', name: 'Sale 50% off' },
        { externalId: 'b', name: 'Sale 50 off' },
        { externalId: 'c', name: 'snake_case' },
        { externalId: 'd', name: 'snakeXcase' },
        { externalId: 'e', name: 'back\\slash' }
      ])
      expect(names(await list(owner, { q: '50%' }))).toEqual(['Sale 50% off'])
      expect(names(await list(owner, { q: 'e_c' }))).toEqual(['snake_case'])
      expect(names(await list(owner, { q: '%' }))).toEqual(['Sale 50% off'])
      expect(names(await list(owner, { q: 'k\\s' }))).toEqual(['back\\slash'])
    })

    const byKey = (key: (item: Item) => string | number | null, descending: boolean) => (a: Item, b: Item) => {
      const [ka, kb] = [key(a), key(b)]
      if (ka === null || kb === null) return ka === kb ? compareIds(a, b, descending) : ka === null ? 1 : -1
      if (ka !== kb) return (ka < kb ? -1 : 1) * (descending ? -1 : 1)
      return compareIds(a, b, descending)
    }
    const compareIds = (a: Item, b: Item, descending: boolean) => (a.id < b.id ? -1 : 1) * (descending ? -1 : 1)
    const KEYS: Record<string, (item: Item) => string | number | null> = {
      name: (item) => item.name,
      total_stock: (item) => item.total_stock,
      days_of_stock: (item) => item.days_of_stock
    }

    it.each(['name', '-name', 'total_stock', '-total_stock', 'days_of_stock', '-days_of_stock'])('should sort by %s, ties broken by id', async (sort) => {
      const field = sort.replace('-', '')
      const page = await list(sorted.owner, { sort, limit: 200 })
      expect(page.items).toHaveLength(SORT_NAMES.length)
      expect(page.items.map((i) => i.id)).toEqual([...page.items].sort(byKey(KEYS[field]!, sort.startsWith('-'))).map((i) => i.id))
    })

    it('should put products without days of stock last in both directions', async () => {
      for (const sort of ['days_of_stock', '-days_of_stock']) {
        const days = (await list(sorted.owner, { sort, limit: 200 })).items.map((item) => item.days_of_stock)
        const firstUnknown = days.indexOf(null)
        expect(firstUnknown).toBeGreaterThan(0)
        expect(days.slice(firstUnknown).every((d) => d === null)).toBe(true)
      }
    })

    it.each(['updated_at', '-updated_at'])('should sort by %s', async (sort) => {
      const stamps = (await list(sorted.owner, { sort, limit: 200 })).items.map((item) => Date.parse(item.updated_at))
      const expected = [...stamps].sort((a, b) => (sort.startsWith('-') ? b - a : a - b))
      expect(stamps).toEqual(expected)
    })

    it('should sort by name when no sort is given', async () => {
      expect(names(await list(sorted.owner, { limit: 200 }))).toEqual([...SORT_NAMES].sort())
    })

    it.each(['name', '-name', 'total_stock', '-total_stock', 'days_of_stock', '-days_of_stock', 'updated_at', '-updated_at'])(
      'should page through the %s order without gaps or duplicates',
      async (sort) => {
        const whole = (await list(sorted.owner, { sort, limit: 200 })).items.map((item) => item.id)
        for (const limit of [1, 2, 5]) expect(await allPages(sorted.owner, { sort, limit })).toEqual(whole)
      }
    )

    it('should page a filtered list and report the total of the filter on every page', async () => {
      const query = { in_stock: true, limit: 2 }
      const expected = (await list(sorted.owner, { in_stock: true, limit: 200 })).items.map((item) => item.id)
      expect(await allPages(sorted.owner, query)).toEqual(expected)
      const first = await list(sorted.owner, query)
      const second = await list(sorted.owner, { ...query, cursor: first.next_cursor! })
      expect(second.total).toBe(expected.length)
    })

    it('should count again once the catalogue changes', async () => {
      const { owner } = await tenantWith([{ externalId: 'a', stock: [{ warehouse: 'w', quantity: 1 }] }])
      expect((await list(owner, { in_stock: true })).total).toBe(1)
      expect((await list(owner, { in_stock: true })).total).toBe(1)
      // Through the cache, as the sync's merge writes.
      await t.app.cache.invalidating(owner.tenantId, () =>
        seedCatalogue(t.app.db, owner.tenantId, { products: [{ externalId: 'b', stock: [{ warehouse: 'w', quantity: 1 }] }] })
      )
      expect((await list(owner, { in_stock: true })).total).toBe(2)
    })

    it('should refuse a cursor that was tampered with, made for another sort, or is not one, with 422', async () => {
      const { next_cursor: cursor } = await list(sorted.owner, { limit: 2 })
      const [body, tag] = cursor!.split('.')
      const forged = Buffer.from(JSON.stringify(['name', 'zzz', '00000000-0000-0000-0000-000000000000'])).toString('base64url')
      const flipped = `${body!.slice(0, -1)}${body!.endsWith('A') ? 'B' : 'A'}.${tag}`
      for (const bad of [flipped, `${forged}.${tag}`, `${body}.`, body!, 'not-a-cursor', `${cursor}.x`]) {
        const res = await get(sorted.owner, `/api/v1/products?limit=2&cursor=${encodeURIComponent(bad)}`)
        expect(res.statusCode, bad).toBe(422)
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
      expect((await get(sorted.owner, `/api/v1/products?sort=-name&cursor=${cursor}`)).statusCode).toBe(422)
    })

    it('should refuse another tenant’s cursor', async () => {
      const other = await tenantWith([{ externalId: 'x' }, { externalId: 'y' }])
      const { next_cursor: cursor } = await list(other.owner, { limit: 1 })
      // Signed by the same server, so it decodes; it only positions the list, whose rows stay the caller's.
      const page = await list(sorted.owner, { limit: 200, cursor: cursor! })
      expect(page.items.every((item) => !Object.values(other.ids.products).includes(item.id))).toBe(true)
    })

    it.each([['limit=0'], ['limit=201'], ['limit=x'], ['sort=price'], ['in_stock=maybe'], ['warehouse_id=42'], ['colour=red'], ['q='], ['q=%00']])(
      'should refuse %s with 422',
      async (query) => {
        const res = await get(sorted.owner, `/api/v1/products?${query}`)
        expect(res.statusCode).toBe(422)
      }
    )

    it('should accept limits of 1 and 200 and default to 50', async () => {
      const { owner } = await tenantWith(Array.from({ length: 60 }, (_, i) => ({ externalId: `p${i}` })))
      expect((await list(owner)).items).toHaveLength(50)
      expect((await list(owner, { limit: 1 })).items).toHaveLength(1)
      expect((await list(owner, { limit: 200 })).items).toHaveLength(60)
    })

    it('should list only the caller’s products', async () => {
      const a = await tenantWith([{ externalId: 'same', name: 'mine' }])
      await tenantWith([{ externalId: 'same', name: 'theirs' }])
      const page = await list(a.owner, { q: 'theirs' })
      expect(page.total).toBe(0)
      expect(names(await list(a.owner))).toEqual(['mine'])
    })

    it('should accept a trailing slash', async () => {
      expect((await get(sorted.owner, '/api/v1/products/')).statusCode).toBe(200)
    })

    it('should require authentication', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/products' })).statusCode).toBe(401)
    })
  })

  describe('GET /api/v1/products/:id', () => {
    it('should show the SKUs, the stock in each warehouse and the forecast per warehouse', async () => {
      const { owner, ids } = await tenantWith([
        {
          externalId: 'shirt',
          name: 'Shirt',
          skus: [
            {
              externalId: 'shirt-s',
              size: 'S',
              barcodes: ['111'],
              stock: [
                { warehouse: 'kazan', quantity: 80, reserved: 2, inWayToClient: 3, inWayFromClient: 1, updatedAt: daysAgo(0.001), history: [{ at: daysAgo(10), quantity: 100 }] },
                { warehouse: 'tula', quantity: 5, updatedAt: daysAgo(0.5) }
              ]
            },
            { externalId: 'shirt-m', size: 'M', barcodes: ['222'], stock: [{ warehouse: 'kazan', quantity: 20, updatedAt: daysAgo(0.001), history: [{ at: daysAgo(10), quantity: 30 }] }] }
          ]
        }
      ])
      const res = await get(owner, `/api/v1/products/${ids.products.shirt}`)
      expect(res.statusCode).toBe(200)
      const detail = res.json()
      expect(detail).toMatchObject({ id: ids.products.shirt, name: 'Shirt', total_stock: 105 })
      expect(detail.skus).toEqual([
        { id: ids.skus['shirt-m'], external_id: 'shirt-m', size: 'M', barcodes: ['222'] },
        { id: ids.skus['shirt-s'], external_id: 'shirt-s', size: 'S', barcodes: ['111'] }
      ])
      expect(detail.stock).toHaveLength(3)
      expect(detail.stock).toContainEqual({
        warehouse: { id: ids.warehouses.kazan, external_id: 'kazan', name: 'Warehouse kazan', type: 'fbo' },
        sku_id: ids.skus['shirt-s'],
        quantity: 80,
        reserved: 2,
        in_way_to_client: 3,
        in_way_from_client: 1,
        updated_at: expect.any(String)
      })
      // Kazan sells 2 + 1 a day; Tula's history is too young to tell, but its stock still counts.
      expect(detail.forecast).toMatchObject({ window_days: 14, method: 'stock_history_sell_through' })
      expect(detail.forecast.sales_per_day).toBeCloseTo(3, 3)
      expect(detail.forecast.days_of_stock).toBeCloseTo(35, 2)
      expect(detail.days_of_stock).toBeCloseTo(35, 2)
      const kazan = detail.forecast.warehouses.find((w: { warehouse_id: string }) => w.warehouse_id === ids.warehouses.kazan)
      const tula = detail.forecast.warehouses.find((w: { warehouse_id: string }) => w.warehouse_id === ids.warehouses.tula)
      expect(kazan.quantity).toBe(100)
      expect(kazan.days_of_stock).toBeCloseTo(100 / 3, 2)
      expect(tula).toEqual({ warehouse_id: ids.warehouses.tula, quantity: 5, sales_per_day: null, days_of_stock: null, observed_days: 0 })
    })

    it('should show a product without stock with an empty forecast', async () => {
      const { owner, ids } = await tenantWith([{ externalId: 'bare' }])
      const detail = (await get(owner, `/api/v1/products/${ids.products.bare}`)).json()
      expect(detail.stock).toEqual([])
      expect(detail.forecast).toMatchObject({ sales_per_day: null, days_of_stock: null, warehouses: [] })
    })

    it('should answer 404 for another tenant’s product or an unknown id, and 422 for a malformed one', async () => {
      const a = await tenantWith([{ externalId: 'p' }])
      const b = await tenantWith([])
      expect((await get(b.owner, `/api/v1/products/${a.ids.products.p}`)).statusCode).toBe(404)
      expect((await get(a.owner, '/api/v1/products/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404)
      expect((await get(a.owner, '/api/v1/products/42')).statusCode).toBe(422)
    })
  })

  describe('PATCH /api/v1/products/:id', () => {
    const patch = (who: Account, id: string, payload: unknown) => t.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: who.headers, payload: payload as object })

    it('should set and clear the threshold, with effect on the low-stock filter', async () => {
      const { owner, ids } = await tenantWith([{ externalId: 'p', name: 'p', stock: [{ warehouse: 'w', quantity: 15 }] }])
      expect((await list(owner, { low_stock: true })).total).toBe(0)
      const res = await patch(owner, ids.products.p!, { low_stock_threshold: 15 })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ id: ids.products.p, low_stock_threshold: 15, stock: [expect.any(Object)], forecast: expect.any(Object) })
      expect(names(await list(owner, { low_stock: true }))).toEqual(['p'])
      expect((await patch(owner, ids.products.p!, { low_stock_threshold: null })).json().low_stock_threshold).toBeNull()
      expect((await list(owner, { low_stock: true })).total).toBe(0)
    })

    it('should record who changed the threshold in the audit log', async () => {
      const { owner, ids } = await tenantWith([{ externalId: 'p', lowStockThreshold: 4 }])
      await patch(owner, ids.products.p!, { low_stock_threshold: 9 })
      const [event] = await t.app.db.tenant(owner.tenantId, (tx) => tx.select().from(auditEvents).where(eq(auditEvents.action, 'product.updated')))
      expect(event).toMatchObject({ actorUserId: owner.userId, targetId: ids.products.p, details: { low_stock_threshold: { from: 4, to: 9 } } })
    })

    it('should let an admin change the threshold but not a user', async () => {
      const { owner, ids } = await tenantWith([{ externalId: 'p' }])
      expect((await patch(await addMember(t.app, owner, 'admin'), ids.products.p!, { low_stock_threshold: 1 })).statusCode).toBe(200)
      expect((await patch(await addMember(t.app, owner, 'user'), ids.products.p!, { low_stock_threshold: 2 })).statusCode).toBe(403)
    })

    it.each([[{ low_stock_threshold: -1 }], [{ low_stock_threshold: 1.5 }], [{ low_stock_threshold: '5' }], [{}], [{ low_stock_threshold: 5, name: 'x' }]])(
      'should refuse %j with 422',
      async (payload) => {
        const { owner, ids } = await tenantWith([{ externalId: 'p' }])
        expect((await patch(owner, ids.products.p!, payload)).statusCode).toBe(422)
      }
    )

    it('should answer 404 for another tenant’s product and leave it untouched', async () => {
      const a = await tenantWith([{ externalId: 'p', lowStockThreshold: 7 }])
      const b = await tenantWith([])
      expect((await patch(b.owner, a.ids.products.p!, { low_stock_threshold: 1 })).statusCode).toBe(404)
      const [row] = await t.app.db.tenant(a.owner.tenantId, (tx) => tx.select({ threshold: products.lowStockThreshold }).from(products))
      expect(row!.threshold).toBe(7)
    })
  })

  describe('GET /api/v1/products/:id/history', () => {
    let owner: Account
    let ids: Awaited<ReturnType<typeof tenantWith>>['ids']
    const now = new Date()
    const at = (days: number) => daysAgo(days, now)

    beforeAll(async () => {
      const seeded = await tenantWith([
        {
          externalId: 'p',
          stock: [
            // Each level is its series' latest observation, the history the ones before.
            {
              warehouse: 'kazan',
              quantity: 1,
              reserved: 1,
              inWayToClient: 2,
              inWayFromClient: 3,
              updatedAt: at(1),
              history: [40, 20, 10].map((d) => ({ at: at(d), quantity: d, reserved: 1, inWayToClient: 2, inWayFromClient: 3 }))
            },
            { warehouse: 'tula', quantity: 3, updatedAt: at(5) }
          ]
        }
      ])
      ;({ owner, ids } = seeded)
    })

    const history = (query = '') => get(owner, `/api/v1/products/${ids.products.p}/history${query}`)

    it('should list the last 30 days newest first', async () => {
      const res = await history()
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body.truncated).toBe(false)
      expect(body.items.map((i: { quantity: number }) => i.quantity)).toEqual([1, 3, 10, 20])
      expect(body.items[0]).toEqual({
        recorded_at: at(1).toISOString(),
        warehouse_id: ids.warehouses.kazan,
        sku_id: ids.skus['p-1'],
        quantity: 1,
        reserved: 1,
        in_way_to_client: 2,
        in_way_from_client: 3
      })
    })

    it('should keep to the range, both ends included, and to one warehouse when asked', async () => {
      const range = `?from=${encodeURIComponent(at(20).toISOString())}&to=${encodeURIComponent(at(5).toISOString())}`
      expect((await history(range)).json().items.map((i: { quantity: number }) => i.quantity)).toEqual([3, 10, 20])
      const kazan = await history(`${range}&warehouse_id=${ids.warehouses.kazan}`)
      expect(kazan.json().items.map((i: { quantity: number }) => i.quantity)).toEqual([10, 20])
      const old = await history(`?from=${encodeURIComponent(at(50).toISOString())}`)
      expect(old.json().items).toHaveLength(5)
    })

    it('should stop at the limit and say it did', async () => {
      const body = (await history('?limit=2')).json()
      expect(body.items.map((i: { quantity: number }) => i.quantity)).toEqual([1, 3])
      expect(body.truncated).toBe(true)
    })

    it.each([
      ['from after to', () => `?from=${encodeURIComponent(at(1).toISOString())}&to=${encodeURIComponent(at(2).toISOString())}`],
      ['a span over 366 days', () => `?from=${encodeURIComponent(at(400).toISOString())}`],
      ['a malformed date', () => '?from=yesterday'],
      ['limit 0', () => '?limit=0'],
      ['limit 5001', () => '?limit=5001']
    ])('should refuse %s with 422', async (_, query) => {
      expect((await history(query())).statusCode).toBe(422)
    })

    it('should accept a span of exactly 366 days', async () => {
      expect((await history(`?from=${encodeURIComponent(at(366).toISOString())}&to=${encodeURIComponent(now.toISOString())}`)).statusCode).toBe(200)
    })

    it('should answer 404 for another tenant’s product', async () => {
      const other = await tenantWith([])
      expect((await get(other.owner, `/api/v1/products/${ids.products.p}/history`)).statusCode).toBe(404)
    })
  })
})
