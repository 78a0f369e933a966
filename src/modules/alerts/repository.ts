import { sql } from 'drizzle-orm'
import type { Db, SqlExecutor } from '../../db/database.js'
import { productAlerts, products } from '../../db/schema.js'
import { selectRows } from '../../db/rows.js'
import { effectiveThreshold, stockState } from './rules.js'

export type AlertState = 'low' | 'out'

/**
 * Re-classifies the tenant's products (or one of them) into `product_alerts`, set-based: rows only for products that
 * are low or out, rewritten only when something in them changes. With `syncJobId` (after a sync) a product whose
 * state calls for an alert not yet sent since it was last above its threshold is marked with that sync's id:
 * `stock.out` when it reached zero, `stock.low` when it went low, neither again until a restock clears the row.
 * Without it (a threshold changed) states follow at once, and the alerts they call for go out after the next sync.
 */
export async function refreshAlerts(tx: Db, tenantId: string, options: { syncJobId?: string; productId?: string } = {}): Promise<void> {
  const { syncJobId = null, productId } = options
  const oneProduct = productId === undefined ? sql`` : sql`AND ${products.id} = ${productId}`
  // Back above the threshold (or archived): the alert is over, and the next drop alerts again.
  await tx.execute(sql`
    DELETE FROM ${productAlerts} a USING ${products}
     WHERE a.tenant_id = ${tenantId} AND ${products.tenantId} = ${tenantId} AND ${products.id} = a.product_id ${oneProduct}
       AND (${products.archived} OR ${stockState(tenantId)} = 'none')`)
  const alerting = sql`(excluded.notified_sync_job_id IS NOT NULL
    AND (excluded.state = 'out' AND a.notified <> 'out' OR excluded.state = 'low' AND a.notified = 'none'))`
  await tx.execute(sql`
    INSERT INTO ${productAlerts} AS a (tenant_id, product_id, state, notified, total_stock, threshold, changed_at, notified_sync_job_id)
    SELECT ${tenantId}, c.id, c.state, CASE WHEN ${syncJobId}::uuid IS NULL THEN 'none' ELSE c.state END,
           c.total_stock, c.threshold, now(), ${syncJobId}::uuid
      FROM (SELECT ${products.id} AS id, ${products.totalStock} AS total_stock, ${effectiveThreshold(tenantId)} AS threshold,
                   ${stockState(tenantId)} AS state
              FROM ${products}
             WHERE ${products.tenantId} = ${tenantId} AND NOT ${products.archived} ${oneProduct}) c
     WHERE c.state <> 'none'
    ON CONFLICT (tenant_id, product_id) DO UPDATE SET
           state = excluded.state,
           total_stock = excluded.total_stock,
           threshold = excluded.threshold,
           changed_at = CASE WHEN a.state = excluded.state THEN a.changed_at ELSE excluded.changed_at END,
           notified = CASE WHEN ${alerting} THEN excluded.state ELSE a.notified END,
           notified_sync_job_id = CASE WHEN ${alerting} THEN excluded.notified_sync_job_id ELSE a.notified_sync_job_id END
     WHERE a.state <> excluded.state OR a.total_stock <> excluded.total_stock OR a.threshold <> excluded.threshold OR ${alerting}`)
}

/** At most this many products in one `stock.low` or `stock.out` event; a sync with more sends several. */
export const PRODUCTS_PER_EVENT = 500

/** The products a sync alerted on ($1 tenant, $2 sync job), numbered within their state, lowest stock first. */
const ALERTED = `
  SELECT a.state, a.product_id, p.marketplace_type, p.external_id, p.vendor_code, p.name, a.total_stock, a.threshold,
         p.days_of_stock, row_number() OVER (PARTITION BY a.state ORDER BY a.total_stock, a.product_id) AS n,
         count(*) OVER (PARTITION BY a.state) AS of_state
    FROM product_alerts a JOIN products p ON p.tenant_id = a.tenant_id AND p.id = a.product_id
   WHERE a.tenant_id = $1 AND a.notified_sync_job_id = $2::uuid`

/**
 * The `(type, data)` rows of a sync's stock events for `publishEvents` (its parameter $2 is the sync job id): one
 * event per state and batch of `PRODUCTS_PER_EVENT` products.
 */
export const ALERT_EVENTS = `
  SELECT CASE x.state WHEN 'out' THEN 'stock.out' ELSE 'stock.low' END AS type,
         json_build_object('sync_job_id', $2::uuid, 'products', json_agg(json_build_object(
           'product_id', x.product_id, 'marketplace_type', x.marketplace_type, 'external_id', x.external_id,
           'vendor_code', x.vendor_code, 'name', x.name, 'state', x.state, 'total_stock', x.total_stock,
           'threshold', x.threshold, 'days_of_stock', x.days_of_stock) ORDER BY x.n)) AS data
    FROM (${ALERTED}) x
   GROUP BY x.state, (x.n - 1) / ${PRODUCTS_PER_EVENT}`

export interface AlertedProduct {
  state: AlertState
  name: string
  vendor_code: string | null
  total_stock: number
  threshold: number
  days_of_stock: number | null
  /** How many products of this state the sync alerted on, listed or not. */
  of_state: number
}

/** The first `perState` products of each state that a sync alerted on, out of stock first. */
export async function alertedProducts(raw: SqlExecutor, tenantId: string, syncJobId: string, perState: number): Promise<AlertedProduct[]> {
  const { rows } = await raw.query<AlertedProduct>(
    `SELECT x.state, x.name, x.vendor_code, x.total_stock, x.threshold, x.days_of_stock, x.of_state::int AS of_state
       FROM (${ALERTED}) x WHERE x.n <= $3 ORDER BY x.state DESC, x.n`,
    [tenantId, syncJobId, perState]
  )
  return rows
}

export interface AlertRow {
  productId: string
  marketplaceType: string
  externalId: string
  vendorCode: string | null
  name: string
  state: AlertState
  totalStock: number
  threshold: number
  daysOfStock: number | null
  salesPerDay: number | null
  since: Date
}

/**
 * Current alerts, lowest stock first, keyset-paged on (total_stock, product_id): the partial index's order. The page
 * is cut from `product_alerts` before products are joined, so a page costs the same however many alerts there are,
 * statistics or not.
 */
export async function listAlerts(
  tx: Db,
  tenantId: string,
  filter: { state?: AlertState; after?: { totalStock: number; productId: string } },
  limit: number
): Promise<AlertRow[]> {
  const rows = await selectRows<Omit<AlertRow, 'since'> & { since: Date | string }>(
    tx,
    sql`SELECT a.product_id AS "productId", p.marketplace_type AS "marketplaceType", p.external_id AS "externalId",
               p.vendor_code AS "vendorCode", p.name, a.state, a.total_stock AS "totalStock", a.threshold,
               p.days_of_stock AS "daysOfStock", p.sales_per_day AS "salesPerDay", a.changed_at AS since
          FROM (SELECT * FROM ${productAlerts}
                 WHERE tenant_id = ${tenantId} AND state <> 'none'
                   ${filter.state === undefined ? sql`` : sql`AND state = ${filter.state}`}
                   ${filter.after === undefined ? sql`` : sql`AND (total_stock, product_id) > (${filter.after.totalStock}::int, ${filter.after.productId}::uuid)`}
                 ORDER BY total_stock, product_id
                 LIMIT ${limit}) a
          JOIN ${products} p ON p.tenant_id = a.tenant_id AND p.id = a.product_id
         ORDER BY a.total_stock, a.product_id`
  )
  return rows.map((row) => ({ ...row, since: new Date(row.since) }))
}

