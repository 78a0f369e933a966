import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { stockLevels, warehouses } from '../../db/schema.js'

/** Every warehouse of the tenant with what it holds, in one grouped scan of the stock levels. */
export async function listWarehouseSummaries(tx: Db, tenantId: string) {
  return tx
    .select({
      id: warehouses.id,
      marketplaceType: warehouses.marketplaceType,
      externalId: warehouses.externalId,
      name: warehouses.name,
      type: warehouses.type,
      productCount: sql<number>`count(DISTINCT ${stockLevels.productId}) FILTER (WHERE ${stockLevels.quantity} > 0)::int`,
      totalQuantity: sql<number>`coalesce(sum(${stockLevels.quantity}), 0)::int8`.mapWith(Number)
    })
    .from(warehouses)
    .leftJoin(stockLevels, and(eq(stockLevels.tenantId, warehouses.tenantId), eq(stockLevels.warehouseId, warehouses.id)))
    .where(eq(warehouses.tenantId, tenantId))
    .groupBy(warehouses.id)
    .orderBy(asc(warehouses.name), asc(warehouses.id))
}
