import { sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { selectRows } from '../../db/rows.js'
import { FORECAST_WINDOW_DAYS, type Observation } from './days-of-stock.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** One array parameter however many ids there are (a parameter list would hit the protocol's 65,535 limit). */
function uuidArray(ids: readonly string[]): SQL {
  for (const id of ids) if (!UUID.test(id)) throw new TypeError(`expected a UUID, got ${JSON.stringify(id)}`)
  return sql`${`{${ids.join(',')}}`}::uuid[]`
}

/**
 * The window every forecast query reads: `now` is the database's clock (the history is stamped with it), unless
 * the caller pins it.
 */
const windowParams = (now: Date | undefined) => {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`statement_timestamp()`
  return sql`SELECT ${at} AS now, ${at} - make_interval(days => ${FORECAST_WINDOW_DAYS}) AS start`
}

/**
 * The observations of the series of level `lv` (a row with sku_id and warehouse_id) that the forecast uses: the
 * last row at or before the window's start, then every row inside the window, in time order. Both parts are
 * index range scans on the history's primary key, however long the history grows.
 */
const seriesObservations = (tenantId: string) => sql`
  (SELECT h.recorded_at, h.quantity
     FROM stock_history h
    WHERE h.tenant_id = ${tenantId} AND h.sku_id = lv.sku_id AND h.warehouse_id = lv.warehouse_id
      AND h.recorded_at <= params.start
    ORDER BY h.recorded_at DESC
    LIMIT 1)
  UNION ALL
  (SELECT h.recorded_at, h.quantity
     FROM stock_history h
    WHERE h.tenant_id = ${tenantId} AND h.sku_id = lv.sku_id AND h.warehouse_id = lv.warehouse_id
      AND h.recorded_at > params.start AND h.recorded_at <= params.now
    ORDER BY h.recorded_at)`

/**
 * Runs `statement` with PostgreSQL's JIT compiler off, then restores the caller's setting. The planner prices the
 * per-series lateral loop high enough to trigger JIT inlining and optimisation, which took longer (~0.6 s for
 * 30,000 series) than the statement itself.
 */
async function withoutJit(tx: Db, statement: SQL): Promise<void> {
  const [setting] = await selectRows<{ jit: string }>(tx, sql`SELECT current_setting('jit') AS jit`)
  await tx.execute(sql`SELECT set_config('jit', 'off', true)`)
  await tx.execute(statement)
  await tx.execute(sql`SELECT set_config('jit', ${setting?.jit ?? 'on'}, true)`)
}

/**
 * Recomputes `total_stock`, `sales_per_day` and `days_of_stock` of the tenant's products (or only of
 * `productIds`) from their stock levels and history, in one statement: the arithmetic of `forecastSeries` and
 * `combineForecasts` in SQL. Each series is reduced to one row inside its lateral subquery, so nothing the size of
 * the history is sorted or hashed. Rows whose values do not change are not rewritten. The sync calls this at the
 * end of its merge, inside the merge's transaction.
 */
export async function refreshForecasts(tx: Db, tenantId: string, options: { productIds?: string[]; now?: Date } = {}): Promise<void> {
  const { productIds, now } = options
  if (productIds?.length === 0) return
  const onlyProducts = (column: SQL) => (productIds ? sql`AND ${column} = ANY(${uuidArray(productIds)})` : sql``)
  await withoutJit(tx, sql`
    WITH params AS (${windowParams(now)}),
    levels AS (
      SELECT l.product_id, l.sku_id, l.warehouse_id, l.quantity
        FROM stock_levels l
       WHERE l.tenant_id = ${tenantId} ${onlyProducts(sql`l.product_id`)}
    ),
    series AS (
      SELECT lv.product_id,
             CASE WHEN s.observations < 2 OR params.now - greatest(s.first_at, params.start) < interval '1 day' THEN NULL
                  WHEN s.in_stock_seconds = 0 THEN 0
                  ELSE s.sold / (s.in_stock_seconds / 86400) END AS sales_per_day
        FROM levels lv
       CROSS JOIN params
       CROSS JOIN LATERAL (
         SELECT count(*) AS observations,
                min(o.recorded_at) AS first_at,
                -- A decrease spread evenly between its two rows; only the share inside the window counts.
                sum(CASE WHEN o.next_quantity < o.quantity
                         THEN (o.quantity - o.next_quantity) * extract(epoch FROM o.next_at - greatest(o.recorded_at, params.start))
                              / extract(epoch FROM o.next_at - o.recorded_at)
                         ELSE 0 END) AS sold,
                sum(CASE WHEN o.quantity > 0 THEN extract(epoch FROM coalesce(o.next_at, params.now) - greatest(o.recorded_at, params.start))
                         ELSE 0 END) AS in_stock_seconds
           FROM (SELECT w.recorded_at, w.quantity,
                        lead(w.recorded_at) OVER (ORDER BY w.recorded_at) AS next_at,
                        lead(w.quantity) OVER (ORDER BY w.recorded_at) AS next_quantity
                   FROM (${seriesObservations(tenantId)}) w) o
       ) s
    ),
    sales AS (SELECT product_id, sum(sales_per_day)::float8 AS per_day FROM series GROUP BY product_id),
    stock AS (SELECT product_id, sum(quantity)::int AS total FROM levels GROUP BY product_id),
    fresh AS (
      SELECT pr.id, coalesce(st.total, 0) AS total_stock, sa.per_day AS sales_per_day,
             CASE WHEN sa.per_day > 0 THEN greatest(coalesce(st.total, 0), 0) / sa.per_day END AS days_of_stock
        FROM products pr
        LEFT JOIN stock st ON st.product_id = pr.id
        LEFT JOIN sales sa ON sa.product_id = pr.id
       WHERE pr.tenant_id = ${tenantId} ${onlyProducts(sql`pr.id`)}
    )
    UPDATE products p
       SET total_stock = f.total_stock, sales_per_day = f.sales_per_day, days_of_stock = f.days_of_stock
      FROM fresh f
     WHERE p.tenant_id = ${tenantId} AND p.id = f.id
       AND (p.total_stock, p.sales_per_day, p.days_of_stock) IS DISTINCT FROM (f.total_stock, f.sales_per_day, f.days_of_stock)`)
}

export interface SeriesObservations {
  skuId: string
  warehouseId: string
  observations: Observation[]
}

/** The forecast's input for one product, series by series, with the database's `now` it was read at. */
export async function findProductObservations(tx: Db, tenantId: string, productId: string): Promise<{ now: Date; series: SeriesObservations[] }> {
  const rows = await selectRows<{ sku_id: string; warehouse_id: string; recorded_at: Date | string; quantity: number; now: Date | string }>(
    tx,
    sql`
      WITH params AS (${windowParams(undefined)}),
      levels AS (
        SELECT l.sku_id, l.warehouse_id FROM stock_levels l WHERE l.tenant_id = ${tenantId} AND l.product_id = ${productId}
      )
      SELECT lv.sku_id, lv.warehouse_id, o.recorded_at, o.quantity, params.now
        FROM levels lv
       CROSS JOIN params
       CROSS JOIN LATERAL (${seriesObservations(tenantId)}) o
       ORDER BY lv.sku_id, lv.warehouse_id, o.recorded_at`
  )
  const series = new Map<string, SeriesObservations>()
  for (const row of rows) {
    const key = `${row.sku_id}/${row.warehouse_id}`
    let entry = series.get(key)
    if (!entry) {
      entry = { skuId: row.sku_id, warehouseId: row.warehouse_id, observations: [] }
      series.set(key, entry)
    }
    entry.observations.push({ recordedAt: new Date(row.recorded_at), quantity: row.quantity })
  }
  return { now: rows[0] ? new Date(rows[0].now) : new Date(), series: [...series.values()] }
}
