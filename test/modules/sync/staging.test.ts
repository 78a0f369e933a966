import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../src/db/database.js'
import { orderedIdPrefix } from '../../../src/modules/sync/merge.js'
import { StageBatch, Staging } from '../../../src/modules/sync/staging.js'
import { openTenantDatabase, type TenantDatabase } from '../../helpers/database.js'

let tenantDb: TenantDatabase
let db: Database
let tenantId: string

beforeAll(async () => {
  tenantDb = await openTenantDatabase('Staging')
  db = tenantDb.db
  tenantId = tenantDb.tenantId
})
afterAll(() => tenantDb.close())

const awkward = 'tab\there, back\\slash, "quotes", new\nline, cr\r, \\N, {braces}, запятая,'

describe('Staging', () => {
  it('should stage values with COPY’s special characters, nulls and arrays unchanged, readable by the next transaction', async () => {
    const rows = await db.session(async (session) => {
      const staging = new Staging(session.kind, randomUUID())
      await session.tenant(tenantId, (_tx, raw) => staging.create(raw))
      const batch = new StageBatch('wildberries', 3)
      batch.addProducts([{
        externalId: '1',
        vendorCode: null,
        name: awkward,
        brand: awkward,
        category: null,
        barcodes: [awkward, ''],
        skus: [{ externalId: '11', size: null, barcodes: [] }]
        }
      ])
      batch.addStocks([
        { skuExternalId: '11', warehouse: { externalId: 'w\t1', name: awkward, type: 'fbs' }, quantity: 5, reserved: 1, inWayToClient: 2, inWayFromClient: 3 }
      ])
      await session.tenant(tenantId, (_tx, raw) => staging.write(raw, batch))
      return session.tenant(tenantId, async (_tx, raw) => {
        const one = async (table: keyof Staging['names']) => (await raw.query(`SELECT * FROM ${staging.names[table]}`)).rows
        const result = { products: await one('products'), skus: await one('skus'), warehouses: await one('warehouses'), stocks: await one('stocks') }
        await staging.drop(raw)
        return result
      })
    })
    expect(rows.products).toEqual([
      { marketplace_type: 'wildberries', external_id: '1', vendor_code: null, name: awkward, brand: awkward, category: null, barcodes: [awkward, ''], batch: 3 }
    ])
    expect(rows.skus).toEqual([{ marketplace_type: 'wildberries', product_external_id: '1', external_id: '11', size: null, barcodes: [], batch: 3 }])
    expect(rows.warehouses).toEqual([{ marketplace_type: 'wildberries', external_id: 'w\t1', name: awkward, type: 'fbs' }])
    expect(rows.stocks).toEqual([
      { marketplace_type: 'wildberries', sku_external_id: '11', warehouse_external_id: 'w\t1', quantity: 5, reserved: 1, in_way_to_client: 2, in_way_from_client: 3, batch: 3 }
    ])
  })

  it('should leave the tenant role in place after a COPY', async () => {
    const role = await db.session(async (session) => {
      const staging = new Staging(session.kind, randomUUID())
      return session.tenant(tenantId, async (_tx, raw) => {
        await staging.create(raw)
        const batch = new StageBatch('wildberries', 0)
        batch.addProducts([{ externalId: '1', vendorCode: null, name: 'n', brand: null, category: null, barcodes: [], skus: [] }])
        await staging.write(raw, batch)
        const { rows } = await raw.query<{ role: string }>('SELECT current_user AS role')
        await staging.drop(raw)
        return rows[0]!.role
      })
    })
    expect(role).toBe('stock_app')
  })
})

describe('orderedIdPrefix', () => {
  it('should give UUIDv7 ids that ascend with the ordinal and with time', () => {
    const at = new Date('2026-12-01T12:00:00Z')
    const prefix = orderedIdPrefix(at)
    const id = (p: string, n: number) => `${p}${n.toString(16).padStart(8, '0')}`.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
    expect(id(prefix, 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(id(prefix, 1) < id(prefix, 2)).toBe(true)
    expect(id(prefix, 0xffffffff) < id(orderedIdPrefix(new Date(at.getTime() + 1)), 0)).toBe(true)
  })
})
