import type { Database, Db } from '../../src/db/database.js'
import { products, skus, stockHistory, stockLevels, warehouses } from '../../src/db/schema.js'
import { refreshForecasts } from '../../src/modules/forecast/repository.js'

/**
 * Seeds a tenant's catalogue straight into the database, the way a finished sync leaves it: products with their
 * SKUs, warehouses, stock levels and stock history, then the derived stock and forecast columns.
 */
/** The figures of a stock level; those left out are zero. */
export interface LevelSeed {
  quantity: number
  reserved?: number
  inWayToClient?: number
  inWayFromClient?: number
}

export interface HistorySeed extends LevelSeed {
  at: Date
}

export interface StockSeed extends LevelSeed {
  /** A warehouse's external id; warehouses not listed in `CatalogueSeed.warehouses` are created as FBO. */
  warehouse: string
  /** The time of the level's figures, its series' latest observation; default: now. */
  updatedAt?: Date
  /** Rows of `stock_history`: the observations before the level's own, oldest first; none unless given. */
  history?: HistorySeed[]
}

export interface SkuSeed {
  externalId: string
  size?: string | null
  barcodes?: string[]
  stock?: StockSeed[]
}

export interface ProductSeed {
  externalId: string
  name?: string
  vendorCode?: string | null
  brand?: string | null
  category?: string | null
  barcodes?: string[]
  marketplaceType?: 'wildberries' | 'ozon'
  lowStockThreshold?: number | null
  archived?: boolean
  updatedAt?: Date
  /** Defaults to one SKU, `<externalId>-1`, holding `stock`. */
  skus?: SkuSeed[]
  stock?: StockSeed[]
}

export interface WarehouseSeed {
  externalId: string
  name?: string
  type?: 'fbo' | 'fbs'
  marketplaceType?: 'wildberries' | 'ozon'
}

export interface CatalogueSeed {
  warehouses?: WarehouseSeed[]
  products: ProductSeed[]
}

/** Database ids by external id. */
export interface SeededCatalogue {
  warehouses: Record<string, string>
  products: Record<string, string>
  skus: Record<string, string>
}

const DAY_MS = 86_400_000
/** Insert batch size: well under PostgreSQL's 65,535 bind parameters for the widest table here. */
const BATCH = 2_000

export const daysAgo = (days: number, from = new Date()): Date => new Date(from.getTime() - days * DAY_MS)

/** What the sync writes to `products.search_text`. */
export const searchTextOf = (name: string, vendorCode: string | null, barcodes: readonly string[]): string =>
  [name, vendorCode ?? '', ...barcodes].join(' ').toLowerCase()

const figures = (level: LevelSeed) => ({
  quantity: level.quantity,
  reserved: level.reserved ?? 0,
  inWayToClient: level.inWayToClient ?? 0,
  inWayFromClient: level.inWayFromClient ?? 0
})

async function insertInBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH))
}

/**
 * Inserts the seed for `tenantId` in one transaction and, unless `refresh: false`, refreshes the forecast columns
 * as the sync does after its merge. Callable again for the same tenant: warehouses are matched by external id.
 *
 * @example
 * const ids = await seedCatalogue(app.db, tenantId, {
 *   products: [{ externalId: 'p1', name: 'Red mug', stock: [{ warehouse: 'kazan', quantity: 5, history: [{ at: daysAgo(3), quantity: 9 }] }] }]
 * })
 */
export async function seedCatalogue(db: Database, tenantId: string, seed: CatalogueSeed, options: { refresh?: boolean } = {}): Promise<SeededCatalogue> {
  return db.tenant(tenantId, async (tx) => {
    const ids: SeededCatalogue = { warehouses: await seedWarehouses(tx, tenantId, seed), products: {}, skus: {} }

    await insertInBatches(seed.products, async (batch) => {
      const rows = await tx
        .insert(products)
        .values(
          batch.map((p) => {
            const name = p.name ?? `Product ${p.externalId}`
            const vendorCode = p.vendorCode === undefined ? `VC-${p.externalId}` : p.vendorCode
            const barcodes = p.barcodes ?? []
            return {
              tenantId,
              marketplaceType: p.marketplaceType ?? 'wildberries',
              externalId: p.externalId,
              vendorCode,
              name,
              brand: p.brand ?? null,
              category: p.category ?? null,
              barcodes,
              searchText: searchTextOf(name, vendorCode, barcodes),
              lowStockThreshold: p.lowStockThreshold ?? null,
              archived: p.archived ?? false,
              ...(p.updatedAt ? { updatedAt: p.updatedAt } : {})
            }
          })
        )
        .returning({ id: products.id, externalId: products.externalId })
      for (const row of rows) ids.products[row.externalId] = row.id
    })

    const skuSeeds = seed.products.flatMap((p) =>
      (p.skus ?? [{ externalId: `${p.externalId}-1`, stock: p.stock }]).map((s) => ({ ...s, marketplaceType: p.marketplaceType ?? 'wildberries', productId: ids.products[p.externalId]! }))
    )
    await insertInBatches(skuSeeds, async (batch) => {
      const rows = await tx
        .insert(skus)
        .values(batch.map((s) => ({ tenantId, productId: s.productId, marketplaceType: s.marketplaceType, externalId: s.externalId, size: s.size ?? null, barcodes: s.barcodes ?? [] })))
        .returning({ id: skus.id, externalId: skus.externalId })
      for (const row of rows) ids.skus[row.externalId] = row.id
    })

    const levels = skuSeeds.flatMap((s) => (s.stock ?? []).map((stock) => ({ ...stock, skuId: ids.skus[s.externalId]!, productId: s.productId, warehouseId: ids.warehouses[stock.warehouse]! })))
    await insertInBatches(levels, (batch) =>
      tx.insert(stockLevels).values(
        batch.map((l) => ({
          tenantId,
          skuId: l.skuId,
          warehouseId: l.warehouseId,
          productId: l.productId,
          ...figures(l),
          // The sync's invariant: a level was created with its series' first observation.
          ...(l.history?.[0] ? { createdAt: l.history[0].at } : l.updatedAt ? { createdAt: l.updatedAt } : {}),
          ...(l.updatedAt ? { updatedAt: l.updatedAt } : {})
        }))
      )
    )

    const history = levels.flatMap((l) => (l.history ?? []).map((h) => ({ ...h, skuId: l.skuId, warehouseId: l.warehouseId })))
    await insertInBatches(history, (batch) =>
      tx.insert(stockHistory).values(
        batch.map((h) => ({ tenantId, skuId: h.skuId, warehouseId: h.warehouseId, ...figures(h), recordedAt: h.at }))
      )
    )

    if (options.refresh !== false) await refreshForecasts(tx, tenantId)
    return ids
  })
}

async function seedWarehouses(tx: Db, tenantId: string, seed: CatalogueSeed): Promise<Record<string, string>> {
  const listed = new Map((seed.warehouses ?? []).map((w) => [w.externalId, w]))
  for (const p of seed.products) {
    for (const s of p.skus ?? [{ stock: p.stock }]) for (const stock of s.stock ?? []) if (!listed.has(stock.warehouse)) listed.set(stock.warehouse, { externalId: stock.warehouse })
  }
  if (listed.size === 0) return {}
  const rows = await tx
    .insert(warehouses)
    .values([...listed.values()].map((w) => ({ tenantId, marketplaceType: w.marketplaceType ?? 'wildberries', externalId: w.externalId, name: w.name ?? `Warehouse ${w.externalId}`, type: w.type ?? 'fbo' })))
    .onConflictDoUpdate({ target: [warehouses.tenantId, warehouses.marketplaceType, warehouses.externalId], set: { updatedAt: new Date() } })
    .returning({ id: warehouses.id, externalId: warehouses.externalId })
  return Object.fromEntries(rows.map((r) => [r.externalId, r.id]))
}
