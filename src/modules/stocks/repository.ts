import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { products, stockLevels, warehouses } from '../../db/schema.js'

/** A position in the export: the last (product, warehouse) pair written. */
export interface ExportPosition {
  productId: string
  warehouseId: string
}

export interface ExportRow {
  productId: string
  externalId: string
  vendorCode: string | null
  name: string
  warehouseId: string
  warehouseExternalId: string
  warehouseName: string
  warehouseType: string
  quantity: number
  reserved: number
  inWayToClient: number
  inWayFromClient: number
  updatedAt: Date
}

/**
 * Up to `limit` (product, warehouse) pairs after `after`, their SKUs' levels added up; archived products (which
 * the sync leaves at zero) are skipped, as the product list hides them. The keyset follows the
 * levels' (product, warehouse) order, so each page starts where the last one ended without re-reading it.
 */
export async function exportPage(tx: Db, tenantId: string, after: ExportPosition | null, limit: number): Promise<ExportRow[]> {
  const levels = tx
    .select({
      productId: stockLevels.productId,
      warehouseId: stockLevels.warehouseId,
      quantity: sql<number>`sum(${stockLevels.quantity})::int`.as('level_quantity'),
      reserved: sql<number>`sum(${stockLevels.reserved})::int`.as('level_reserved'),
      inWayToClient: sql<number>`sum(${stockLevels.inWayToClient})::int`.as('level_in_way_to_client'),
      inWayFromClient: sql<number>`sum(${stockLevels.inWayFromClient})::int`.as('level_in_way_from_client'),
      updatedAt: sql<Date>`max(${stockLevels.updatedAt})`.mapWith(stockLevels.updatedAt).as('level_updated_at')
    })
    .from(stockLevels)
    .where(
      and(
        eq(stockLevels.tenantId, tenantId),
        after ? sql`(${stockLevels.productId}, ${stockLevels.warehouseId}) > (${after.productId}::uuid, ${after.warehouseId}::uuid)` : undefined,
        // Filtered here rather than in the join below, so that a short page still means the last page. The
        // lower bound lets the merge join start at the cursor instead of at the tenant's first product.
        sql`EXISTS (SELECT 1 FROM ${products} p
                     WHERE p.tenant_id = ${tenantId} AND p.id = ${stockLevels.productId} AND NOT p.archived
                       ${after ? sql`AND p.id >= ${after.productId}::uuid` : sql``})`
      )
    )
    .groupBy(stockLevels.productId, stockLevels.warehouseId)
    .orderBy(asc(stockLevels.productId), asc(stockLevels.warehouseId))
    .limit(limit)
    // Aliases the joined tables do not use: the outer select names these columns unqualified.
    .as('levels')
  return tx
    .select({
      productId: levels.productId,
      externalId: products.externalId,
      vendorCode: products.vendorCode,
      name: products.name,
      warehouseId: levels.warehouseId,
      warehouseExternalId: warehouses.externalId,
      warehouseName: warehouses.name,
      warehouseType: warehouses.type,
      quantity: levels.quantity,
      reserved: levels.reserved,
      inWayToClient: levels.inWayToClient,
      inWayFromClient: levels.inWayFromClient,
      updatedAt: levels.updatedAt
    })
    .from(levels)
    .innerJoin(products, and(eq(products.tenantId, tenantId), eq(products.id, levels.productId)))
    .innerJoin(warehouses, and(eq(warehouses.tenantId, tenantId), eq(warehouses.id, levels.warehouseId)))
    .orderBy(asc(levels.productId), asc(levels.warehouseId))
}
