import { and, asc, desc, eq, gt, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm'
import { QueryBuilder } from 'drizzle-orm/pg-core'
import type { Database, Db } from '../../db/database.js'
import { inlineQuery } from '../../db/inline-query.js'
import { products, skus, stockHistory, stockLevels, warehouses } from '../../db/schema.js'
import { isLowStock } from '../alerts/rules.js'
import type { ProductSortField } from './schemas.js'

export interface ProductFilter {
  q?: string
  marketplaceType?: string
  warehouseId?: string
  inStock?: boolean
  lowStock?: boolean
  archived: boolean
}

export interface ProductOrder {
  field: ProductSortField
  descending: boolean
}

/** A position in a sorted list: the sort key of the last row seen (null for days of stock past the known ones) and its id. */
export interface Keyset {
  key: string | number | null
  id: string
}

const itemColumns = {
  id: products.id,
  marketplaceType: products.marketplaceType,
  externalId: products.externalId,
  vendorCode: products.vendorCode,
  name: products.name,
  brand: products.brand,
  category: products.category,
  barcodes: products.barcodes,
  totalStock: products.totalStock,
  daysOfStock: products.daysOfStock,
  lowStockThreshold: products.lowStockThreshold,
  archived: products.archived,
  updatedAt: products.updatedAt,
  /** Microsecond-exact, unlike the Date it is parsed into: the keyset of the `updated_at` sort. */
  updatedAtKey: sql<string>`${products.updatedAt}::text`.as('updated_at_key')
}

/**
 * What the list's totals are cached against: every write that changes which products match a filter moves it.
 * The sync's merge and the threshold update stamp `updated_at` on each product they change; the tenant's own
 * thresholds decide `low_stock`. Read through the (tenant_id, updated_at) index, so it costs one index probe.
 */
const catalogueVersion = (tenantId: string) =>
  sql<string>`(SELECT concat_ws('/', max(v.updated_at), (SELECT t.low_stock_threshold || ':' || coalesce(t.low_stock_days, 0) FROM tenants t WHERE t.id = ${tenantId}))
                 FROM ${products} v WHERE v.tenant_id = ${tenantId})`.as('catalogue_version')

/** `%`, `_` and the escape character itself match literally in the LIKE pattern built from `q`. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&')

function filterConditions(tenantId: string, filter: ProductFilter): SQL[] {
  const conditions = [eq(products.tenantId, tenantId), eq(products.archived, filter.archived)]
  if (filter.marketplaceType) conditions.push(eq(products.marketplaceType, filter.marketplaceType))
  // search_text: name, vendor code and barcodes, lower-cased by the sync. An index cannot serve LIKE under
  // row-level security (LIKE is not leakproof, so it may not run before the policy), so the tenant’s rows are
  // filtered one by one: about a millisecond per 10,000 products.
  if (filter.q) conditions.push(sql`${products.searchText} LIKE '%' || lower(${escapeLike(filter.q)}) || '%'`)
  if (filter.inStock !== undefined) conditions.push(filter.inStock ? gt(products.totalStock, 0) : lte(products.totalStock, 0))
  if (filter.lowStock !== undefined) conditions.push(filter.lowStock ? isLowStock(tenantId) : sql`NOT ${isLowStock(tenantId)}`)
  if (filter.warehouseId) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${stockLevels} l WHERE l.tenant_id = ${tenantId} AND l.product_id = ${products.id} AND l.warehouse_id = ${filter.warehouseId})`
    )
  }
  return conditions
}

const SORT_COLUMNS = {
  name: { column: products.name, cast: sql`::text` },
  total_stock: { column: products.totalStock, cast: sql`::int` },
  days_of_stock: { column: products.daysOfStock, cast: sql`::float8` },
  updated_at: { column: products.updatedAt, cast: sql`::timestamptz` }
} as const

/** The sort key of a row as it goes into a cursor. */
export function keyOf(row: ProductRow, field: ProductSortField): string | number | null {
  if (field === 'name') return row.name
  if (field === 'total_stock') return row.totalStock
  if (field === 'days_of_stock') return row.daysOfStock
  return row.updatedAtKey
}

/** Rows strictly after `after` in the order, for a non-null key: one row comparison, which the sort's index serves. */
function afterKey(order: ProductOrder, after: Keyset): SQL {
  const { column, cast } = SORT_COLUMNS[order.field]
  return sql`(${column}, ${products.id}) ${order.descending ? sql`<` : sql`>`} (${after.key}${cast}, ${after.id}::uuid)`
}

/** The list's row as `tenantRead` returns it: column names as selected, timestamps as the driver parses them. */
interface ListRow {
  id: string
  marketplace_type: string
  external_id: string
  vendor_code: string | null
  name: string
  brand: string | null
  category: string | null
  barcodes: string[]
  total_stock: number
  days_of_stock: number | null
  low_stock_threshold: number | null
  archived: boolean
  updated_at: Date | string
  updated_at_key: string
  catalogue_version: string
}

const fromListRow = (row: ListRow): ProductRow & { catalogueVersion: string } => ({
  id: row.id,
  marketplaceType: row.marketplace_type,
  externalId: row.external_id,
  vendorCode: row.vendor_code,
  name: row.name,
  brand: row.brand,
  category: row.category,
  barcodes: row.barcodes,
  totalStock: row.total_stock,
  daysOfStock: row.days_of_stock,
  lowStockThreshold: row.low_stock_threshold,
  archived: row.archived,
  updatedAt: new Date(row.updated_at),
  updatedAtKey: row.updated_at_key,
  catalogueVersion: row.catalogue_version
})

const qb = new QueryBuilder()

/**
 * One page of the tenant's products in the requested order, each row with the catalogue version. Days of stock
 * may be null and those products come last both ways; since the index keeps nulls last only ascending, the known
 * and the unknown are read as two index-ordered branches and only their 2 × limit rows are sorted.
 *
 * The list is the API's busiest read, so it goes through `tenantRead`: prologue and statement in one round trip
 * instead of the four of a `tenant` transaction, which was half the cost of a page.
 */
export async function listProducts(db: Database, tenantId: string, filter: ProductFilter, order: ProductOrder, after: Keyset | null, limit: number) {
  const { column } = SORT_COLUMNS[order.field]
  const direction = order.descending ? desc : asc
  const conditions = filterConditions(tenantId, filter)
  const columns = { ...itemColumns, catalogueVersion: catalogueVersion(tenantId) }
  const page = (where: Array<SQL | undefined>, ...orderBy: SQL[]) =>
    qb
      .select(columns)
      .from(products)
      .where(and(...where))
      .orderBy(...orderBy)
      .limit(limit)
  let query: SQL
  if (order.field !== 'days_of_stock') {
    query = page(after ? [...conditions, afterKey(order, after)] : conditions, direction(column), direction(products.id)).getSQL()
  } else {
    const afterUnknown = after?.key === null ? sql`${products.id} ${order.descending ? sql`<` : sql`>`} ${after.id}::uuid` : undefined
    const unknown = page([...conditions, isNull(column), afterUnknown], direction(products.id))
    const known = page([...conditions, isNotNull(column), after ? afterKey(order, after) : undefined], direction(column), direction(products.id))
    query =
      after?.key === null
        ? unknown.getSQL()
        : known
            .unionAll(unknown)
            .orderBy(order.descending ? sql`${column} DESC NULLS LAST` : sql`${column} ASC NULLS LAST`, direction(products.id))
            .limit(limit)
            .getSQL()
  }
  const rows = await db.tenantRead<ListRow>(tenantId, inlineQuery(query), [])
  return rows.map(fromListRow)
}

export async function countProducts(db: Database, tenantId: string, filter: ProductFilter): Promise<number> {
  const query = qb
    .select({ n: sql<number>`count(*)::int`.as('n') })
    .from(products)
    .where(and(...filterConditions(tenantId, filter)))
  const [row] = await db.tenantRead<{ n: number }>(tenantId, inlineQuery(query), [])
  return row?.n ?? 0
}

const inTenant = (tenantId: string, id: string) => and(eq(products.tenantId, tenantId), eq(products.id, id))

/** A product as lists and the detail read it. */
export type ProductRow = NonNullable<Awaited<ReturnType<typeof findProduct>>>

export async function findProduct(tx: Db, tenantId: string, id: string) {
  const [row] = await tx.select(itemColumns).from(products).where(inTenant(tenantId, id))
  return row ?? null
}

export async function updateThreshold(tx: Db, tenantId: string, id: string, threshold: number | null): Promise<boolean> {
  const rows = await tx
    .update(products)
    .set({ lowStockThreshold: threshold, updatedAt: sql`now()` })
    .where(inTenant(tenantId, id))
    .returning({ id: products.id })
  return rows.length > 0
}

export async function listSkus(tx: Db, tenantId: string, productId: string) {
  return tx
    .select({ id: skus.id, externalId: skus.externalId, size: skus.size, barcodes: skus.barcodes })
    .from(skus)
    .where(and(eq(skus.tenantId, tenantId), eq(skus.productId, productId)))
    .orderBy(asc(skus.externalId))
}

export async function listStockLevels(tx: Db, tenantId: string, productId: string) {
  return tx
    .select({
      warehouse: { id: warehouses.id, externalId: warehouses.externalId, name: warehouses.name, type: warehouses.type },
      skuId: stockLevels.skuId,
      quantity: stockLevels.quantity,
      reserved: stockLevels.reserved,
      inWayToClient: stockLevels.inWayToClient,
      inWayFromClient: stockLevels.inWayFromClient,
      updatedAt: stockLevels.updatedAt
    })
    .from(stockLevels)
    .innerJoin(warehouses, and(eq(warehouses.tenantId, stockLevels.tenantId), eq(warehouses.id, stockLevels.warehouseId)))
    .where(and(eq(stockLevels.tenantId, tenantId), eq(stockLevels.productId, productId)))
    .orderBy(asc(warehouses.name), asc(warehouses.id), asc(stockLevels.skuId))
}

export interface HistoryRange {
  from: Date
  to: Date
  warehouseId?: string
}

/**
 * Up to `limit` observations of a product's stock, newest first, within the range (both ends included): its levels'
 * history rows, a range of the history's key each, and the levels themselves, each its series' latest observation. A
 * SKU moved to another product takes its series along.
 */
export async function listHistory(tx: Db, tenantId: string, productId: string, range: HistoryRange, limit: number) {
  const inRange = (column: typeof stockHistory.recordedAt | typeof stockLevels.updatedAt) =>
    sql`${column} BETWEEN ${range.from.toISOString()}::timestamptz AND ${range.to.toISOString()}::timestamptz`
  const productLevels = and(
    eq(stockLevels.tenantId, tenantId),
    eq(stockLevels.productId, productId),
    range.warehouseId ? eq(stockLevels.warehouseId, range.warehouseId) : undefined
  )
  const past = tx
    .select({
      recordedAt: stockHistory.recordedAt,
      warehouseId: stockHistory.warehouseId,
      skuId: stockHistory.skuId,
      quantity: stockHistory.quantity,
      reserved: stockHistory.reserved,
      inWayToClient: stockHistory.inWayToClient,
      inWayFromClient: stockHistory.inWayFromClient
    })
    .from(stockLevels)
    .innerJoin(
      stockHistory,
      and(
        eq(stockHistory.tenantId, stockLevels.tenantId),
        eq(stockHistory.skuId, stockLevels.skuId),
        eq(stockHistory.warehouseId, stockLevels.warehouseId),
        inRange(stockHistory.recordedAt)
      )
    )
    .where(productLevels)
  const current = tx
    .select({
      recordedAt: stockLevels.updatedAt,
      warehouseId: stockLevels.warehouseId,
      skuId: stockLevels.skuId,
      quantity: stockLevels.quantity,
      reserved: stockLevels.reserved,
      inWayToClient: stockLevels.inWayToClient,
      inWayFromClient: stockLevels.inWayFromClient
    })
    .from(stockLevels)
    .where(and(productLevels, inRange(stockLevels.updatedAt)))
  // A set operation is ordered by its output columns, named after the first part's.
  return past.unionAll(current).orderBy(sql`recorded_at DESC, warehouse_id, sku_id`).limit(limit)
}
