import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../src/db/database.js'
import { StocksService } from '../../../src/modules/stocks/service.js'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { seedCatalogue } from '../../helpers/catalogue.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

const BOM = '\uFEFF'
const exportOf = (who: Account) => t.app.inject({ method: 'GET', url: '/api/v1/stocks/export', headers: who.headers })
const rowsOf = (body: string): Array<Record<string, string>> => parse(body.slice(BOM.length), { columns: true })

describe('stocks', () => {
  describe('GET /api/v1/stocks/export', () => {
    it('should download one row per product and warehouse, the SKUs added up', async () => {
      const owner = await registerTenant(t.app)
      const ids = await seedCatalogue(t.app.db, owner.tenantId, {
        warehouses: [{ externalId: 'kazan', name: 'Kazan', type: 'fbo' }, { externalId: 'home', name: 'Home', type: 'fbs' }],
        products: [
          {
            externalId: 'shirt',
            name: 'Shirt',
            vendorCode: 'SH-1',
            skus: [
              { externalId: 'shirt-s', stock: [{ warehouse: 'kazan', quantity: 4, reserved: 1, inWayToClient: 2, inWayFromClient: 3, updatedAt: new Date('2025-01-02T03:04:05.678Z') }] },
              { externalId: 'shirt-m', stock: [{ warehouse: 'kazan', quantity: 6, reserved: 1, updatedAt: new Date('2025-01-01T00:00:00Z') }, { warehouse: 'home', quantity: 2 }] }
            ]
          }
        ]
      })
      const res = await exportOf(owner)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
      expect(res.headers['content-disposition']).toBe(`attachment; filename="stock-${new Date().toISOString().slice(0, 10)}.csv"`)
      expect(res.body.startsWith(BOM)).toBe(true)
      expect(res.body.slice(BOM.length).split('\n')[0]).toBe(
        'product_id,external_id,vendor_code,name,warehouse_external_id,warehouse_name,warehouse_type,quantity,reserved,in_way_to_client,in_way_from_client,updated_at'
      )
      const rows = rowsOf(res.body)
      expect(rows).toHaveLength(2)
      expect(rows).toContainEqual({
        product_id: ids.products.shirt,
        external_id: 'shirt',
        vendor_code: 'SH-1',
        name: 'Shirt',
        warehouse_external_id: 'kazan',
        warehouse_name: 'Kazan',
        warehouse_type: 'fbo',
        quantity: '10',
        reserved: '2',
        in_way_to_client: '2',
        in_way_from_client: '3',
        updated_at: '2025-01-02T03:04:05.678Z'
      })
      expect(rows).toContainEqual(expect.objectContaining({ warehouse_external_id: 'home', quantity: '2', warehouse_type: 'fbs' }))
    })

    it('should quote commas, quotes and line breaks so the values come back intact', async () => {
      const owner = await registerTenant(t.app)
      const awkward = 'Mug, "large"\nwith lid; ёлка'
      await seedCatalogue(t.app.db, owner.tenantId, { products: [{ externalId: 'p', name: awkward, vendorCode: null, stock: [{ warehouse: 'w', quantity: 1 }] }] })
      const [row] = rowsOf((await exportOf(owner)).body)
      expect(row!.name).toBe(awkward)
      expect(row!.vendor_code).toBe('')
    })

    it('should make cells that a spreadsheet would run as formulas plain text', async () => {
      const owner = await registerTenant(t.app)
      const cells = ['=HYPERLINK("http://evil.example","x")', '+7 900', '-1+1', '@SUM(A1)', '\tTAB', 'safe = text']
      await seedCatalogue(t.app.db, owner.tenantId, {
        products: cells.map((name, i) => ({ externalId: `p${i}`, name, vendorCode: name, stock: [{ warehouse: '=cmd|calc', quantity: -1 }] }))
      })
      const rows = rowsOf((await exportOf(owner)).body)
      const names = rows.map((row) => row.name).sort()
      expect(names).toEqual(["'+7 900", "'-1+1", "'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(A1)", "'\tTAB", 'safe = text'].sort())
      expect(rows.every((row) => row.vendor_code === row.name)).toBe(true)
      expect(rows.every((row) => row.warehouse_external_id === "'=cmd|calc")).toBe(true)
      // Numbers are data, not text a spreadsheet would evaluate: a negative level stays a number.
      expect(rows.every((row) => row.quantity === '-1')).toBe(true)
    })

    it('should export only the caller’s rows, to every role', async () => {
      const a = await registerTenant(t.app)
      const b = await registerTenant(t.app)
      await seedCatalogue(t.app.db, a.tenantId, { products: [{ externalId: 'mine', name: 'mine', stock: [{ warehouse: 'w', quantity: 1 }] }] })
      await seedCatalogue(t.app.db, b.tenantId, { products: [{ externalId: 'theirs', name: 'theirs', stock: [{ warehouse: 'w', quantity: 1 }] }] })
      const viewer = await addMember(t.app, a, 'viewer')
      expect(rowsOf((await exportOf(viewer)).body).map((row) => row.name)).toEqual(['mine'])
    })

    it('should leave out archived products', async () => {
      const owner = await registerTenant(t.app)
      await seedCatalogue(t.app.db, owner.tenantId, {
        products: [
          { externalId: 'live', name: 'live', stock: [{ warehouse: 'w', quantity: 1 }] },
          { externalId: 'gone', name: 'gone', archived: true, stock: [{ warehouse: 'w', quantity: 0 }] }
        ]
      })
      expect(rowsOf((await exportOf(owner)).body).map((row) => row.name)).toEqual(['live'])
    })

    it('should write just the header when there is no stock', async () => {
      const owner = await registerTenant(t.app)
      const res = await exportOf(owner)
      expect(res.statusCode).toBe(200)
      expect(rowsOf(res.body)).toEqual([])
    })

    it('should page through more rows than one read holds, each row once', async () => {
      const owner = await registerTenant(t.app)
      // Archived products among them must not cut a read short.
      await seedCatalogue(t.app.db, owner.tenantId, {
        products: Array.from({ length: 1000 }, (_, i) => ({
          externalId: `p${i}`,
          archived: i % 10 >= 7,
          stock: [{ warehouse: 'a', quantity: i }, { warehouse: 'b', quantity: 1 }]
        }))
      })
      const rows = rowsOf((await exportOf(owner)).body)
      expect(rows).toHaveLength(1400)
      expect(new Set(rows.map((row) => `${row.product_id}/${row.warehouse_external_id}`)).size).toBe(1400)
      expect(rows.every((row) => Number(row.external_id!.slice(1)) % 10 < 7)).toBe(true)
    })
  })

  describe('StocksService.exportRows', () => {
    it('should read the next page only when the consumer gets to it', async () => {
      const owner = await registerTenant(t.app)
      await seedCatalogue(t.app.db, owner.tenantId, { products: Array.from({ length: 1001 }, (_, i) => ({ externalId: `p${i}`, stock: [{ warehouse: 'w', quantity: 1 }] })) })
      let reads = 0
      const db = t.app.db
      const counting: Database = { ...db, tenant: (tenantId, fn) => ((reads += 1), db.tenant(tenantId, fn)) }
      const rows = new StocksService({ db: counting }).exportRows({ tenantId: owner.tenantId })
      await rows.next()
      expect(reads).toBe(1)
      let count = 1
      while (!(await rows.next()).done) count += 1
      expect(count).toBe(1001)
      expect(reads).toBe(2)
    })
  })
})
