import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../src/db/database.js'
import type { MarketProduct, MarketStock } from '../../../src/marketplaces/types.js'
import { refreshForecasts } from '../../../src/modules/forecast/repository.js'
import { mergeStaged } from '../../../src/modules/sync/merge.js'
import { StageBatch, Staging } from '../../../src/modules/sync/staging.js'
import { openTenantDatabase, type TenantDatabase } from '../../helpers/database.js'

let tenantDb: TenantDatabase
let db: Database
let tenantId: string

beforeAll(async () => {
  tenantDb = await openTenantDatabase('Merge')
  db = tenantDb.db
  tenantId = tenantDb.tenantId
})
afterAll(() => tenantDb.close())

const product = (externalId: string, skus: string[]): MarketProduct => ({
  externalId,
  vendorCode: `v${externalId}`,
  name: `Product ${externalId}`,
  brand: null,
  category: null,
  barcodes: [],
  skus: skus.map((sku) => ({ externalId: sku, size: null, barcodes: [] }))
})
const stock = (skuExternalId: string, quantity: number): MarketStock => ({
  skuExternalId,
  warehouse: { externalId: 'w1', name: 'Koledino', type: 'fbo' },
  quantity,
  reserved: 0,
  inWayToClient: 0,
  inWayFromClient: 0
})

/** One batch as read: products with the stock of their SKUs, or (`report`) a page of a stock report. */
interface Read {
  products: MarketProduct[]
  stocks: MarketStock[]
  report?: boolean
}

/** Stages one read of the catalogue, batch by batch in reading order, and merges it as a sync does, forecasts included. */
async function sync(reads: Read[]): Promise<void> {
  await db.session(async (session) => {
    const staging = new Staging(session.kind, randomUUID())
    await session.tenant(tenantId, async (_tx, raw) => {
      await staging.create(raw)
      for (const [i, read] of reads.entries()) {
        const batch = new StageBatch('wildberries', read.report ? null : i)
        batch.addProducts(read.products)
        batch.addStocks(read.stocks)
        await staging.write(raw, batch)
      }
    })
    await session.tenant(tenantId, async (tx, raw) => {
      const syncedAt = new Date()
      const merged = await mergeStaged(tx, raw, { tenantId, marketplaces: ['wildberries'], productLimit: null, syncedAt, staging })
      if (merged.forecastRefresh) await refreshForecasts(tx, tenantId, merged.forecastRefresh)
      await staging.drop(raw)
    })
  })
}

async function picture() {
  return db.tenant(tenantId, async (_tx, raw) => ({
    levels: (
      await raw.query(
        `SELECT s.external_id AS sku, p.external_id AS product, l.quantity
           FROM stock_levels l JOIN skus s ON s.id = l.sku_id JOIN products p ON p.id = l.product_id ORDER BY sku`
      )
    ).rows,
    totals: (await raw.query(`SELECT external_id AS product, total_stock FROM products ORDER BY external_id`)).rows,
    history: (await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM stock_history`)).rows[0]!.n
  }))
}

describe('merging a sync', () => {
  it('should move a SKU’s stock to the product the marketplace moved it to, though its quantities stayed the same', async () => {
    await sync([{ products: [product('1', ['11']), product('2', ['22'])], stocks: [stock('11', 5), stock('22', 3)] }])
    expect(await picture()).toEqual({
      levels: [
        { sku: '11', product: '1', quantity: 5 },
        { sku: '22', product: '2', quantity: 3 }
      ],
      totals: [
        { product: '1', total_stock: 5 },
        { product: '2', total_stock: 3 }
      ],
      history: 0
    })

    await sync([{ products: [product('1', []), product('2', ['11', '22'])], stocks: [stock('11', 5), stock('22', 3)] }])
    expect(await picture()).toEqual({
      levels: [
        { sku: '11', product: '2', quantity: 5 },
        { sku: '22', product: '2', quantity: 3 }
      ],
      totals: [
        { product: '1', total_stock: 0 },
        { product: '2', total_stock: 8 }
      ],
      // No level changed, so no history row was added.
      history: 0
    })
  })

  it('should count the stock of a card read twice in one sync (edited mid-sync) once, as its later read found it', async () => {
    await sync([
      { products: [product('3', ['33'])], stocks: [stock('33', 7)] },
      { products: [product('4', ['44'])], stocks: [stock('44', 1)] },
      { products: [product('3', ['33'])], stocks: [stock('33', 6)] }
    ])
    const { levels, totals } = await picture()
    expect(levels.filter((l) => l.sku === '33' || l.sku === '44')).toEqual([
      { sku: '33', product: '3', quantity: 6 },
      { sku: '44', product: '4', quantity: 1 }
    ])
    expect(totals.filter((t) => t.product === '3')).toEqual([{ product: '3', total_stock: 6 }])
  })

  it('should add up a stock report’s rows for one level, on one page or across pages, though the card was read twice', async () => {
    await sync([
      { products: [product('5', ['55'])], stocks: [] },
      { products: [product('5', ['55'])], stocks: [] },
      { products: [], stocks: [stock('55', 2), stock('55', 3)], report: true },
      { products: [], stocks: [stock('55', 4)], report: true }
    ])
    const { levels } = await picture()
    expect(levels.filter((l) => l.sku === '55')).toEqual([{ sku: '55', product: '5', quantity: 9 }])
  })

  it('should move the updated_at of a product whose stock changed to the sync’s time, and keep the others’', async () => {
    const updatedAt = () =>
      db.tenant(tenantId, async (_tx, raw) => {
        const { rows } = await raw.query<{ product: string; at: string }>(`SELECT external_id AS product, updated_at::text AS at FROM products WHERE external_id IN ('8', '9')`)
        return Object.fromEntries(rows.map((row) => [row.product, row.at]))
      })
    const catalogue = [product('8', ['88']), product('9', ['99'])]
    await sync([{ products: catalogue, stocks: [stock('88', 4), stock('99', 4)] }])
    const before = await updatedAt()
    await sync([{ products: catalogue, stocks: [stock('88', 3), stock('99', 4)] }])
    const after = await updatedAt()
    expect(after['8']! > before['8']!).toBe(true)
    expect(after['9']).toBe(before['9'])
  })

  it('should keep a level’s figures as its latest observation and move those it supersedes to the history', async () => {
    const series = () =>
      db.tenant(tenantId, async (_tx, raw) => {
        const level = await raw.query<{ created: string; updated: string; quantity: number }>(
          `SELECT l.created_at::text AS created, l.updated_at::text AS updated, l.quantity
             FROM stock_levels l JOIN skus s ON s.id = l.sku_id WHERE s.external_id = '1010'`
        )
        const history = await raw.query<{ at: string; quantity: number }>(
          `SELECT h.recorded_at::text AS at, h.quantity
             FROM stock_history h JOIN skus s ON s.id = h.sku_id WHERE s.external_id = '1010' ORDER BY h.recorded_at`
        )
        return { level: level.rows[0]!, history: history.rows }
      })
    const catalogue = [product('10', ['1010'])]
    await sync([{ products: catalogue, stocks: [stock('1010', 7)] }])
    const first = await series()
    expect(first.level).toEqual({ created: first.level.updated, updated: first.level.updated, quantity: 7 })
    expect(first.history).toEqual([])
    await sync([{ products: catalogue, stocks: [stock('1010', 7)] }])
    expect(await series()).toEqual(first)
    await sync([{ products: catalogue, stocks: [stock('1010', 6)] }])
    const changed = await series()
    expect(changed.level.created).toBe(first.level.created)
    expect(changed.level.updated > first.level.updated).toBe(true)
    expect(changed.level.quantity).toBe(6)
    expect(changed.history).toEqual([{ at: first.level.updated, quantity: 7 }])
    // Gone from the marketplace: zero from now on, the last figures seen kept.
    await sync([{ products: catalogue, stocks: [] }])
    const vanished = await series()
    expect(vanished.level.quantity).toBe(0)
    expect(vanished.history).toEqual([{ at: first.level.updated, quantity: 7 }, { at: changed.level.updated, quantity: 6 }])
  })
})
