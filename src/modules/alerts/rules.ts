import { sql, type SQL } from 'drizzle-orm'
import { products, tenants } from '../../db/schema.js'

// The low-stock rule, in one place for everything that applies it: the alert states the sync records, the
// threshold updates that re-classify at once, and the `low_stock` filter of the product list. The tenant's settings
// are uncorrelated subqueries, which PostgreSQL evaluates once per statement.

/** The threshold that applies to a product: its own, or else the tenant's default. */
export const effectiveThreshold = (tenantId: string): SQL =>
  sql`coalesce(${products.lowStockThreshold}, (SELECT t.low_stock_threshold FROM ${tenants} t WHERE t.id = ${tenantId}))`

/**
 * Low (out of stock included): at or below the threshold, or fewer days of stock left than the tenant's days
 * threshold when it has one. Never null, so `NOT` of it is the complement.
 */
export const isLowStock = (tenantId: string): SQL =>
  sql`(${products.totalStock} <= ${effectiveThreshold(tenantId)}
       OR coalesce(${products.daysOfStock} < (SELECT t.low_stock_days FROM ${tenants} t WHERE t.id = ${tenantId}), false))`

/** `out` at zero stock, `low` when `isLowStock`, otherwise `none`. */
export const stockState = (tenantId: string): SQL =>
  sql`CASE WHEN ${products.totalStock} <= 0 THEN 'out' WHEN ${isLowStock(tenantId)} THEN 'low' ELSE 'none' END`
