import { sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { FRESH_ROWS_SETTINGS, withSettings } from '../../db/planner.js'
import { UUID } from '../../db/prologue.js'
import { selectRows } from '../../db/rows.js'
import { FORECAST_WINDOW_DAYS, type Observation } from './days-of-stock.js'

/** One array parameter however many ids there are (a parameter list would hit the protocol's 65,535 limit). */
function uuidArray(ids: readonly string[]): SQL {
  for (const id of ids) if (!UUID.test(id)) throw new TypeError(`expected a UUID, got ${JSON.stringify(id)}`)
  return sql`${`{${ids.join(',')}}`}::uuid[]`
}

/**
 * The window every forecast query reads. `now` is the database's clock unless the caller pins it; the sync should
 * pass the stamp it gave the history rows it just wrote, so that no clock difference leaves them out.
 */
const windowParams = (now: Date | undefined) => {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`statement_timestamp()`
  return sql`SELECT ${at} AS now, ${at} - make_interval(days => ${FORECAST_WINDOW_DAYS}) AS start`
}

/**
 * The observations of the series of level `lv` (a row with sku_id, warehouse_id, quantity and updated_at) that the
 * forecast uses: the last one at or before the window's start, then every one inside the window, in time order. A
 * series' observations are its history rows and then the level itself, the latest, so a level from before the window
 * is its opening observation and the only one; the history parts are index range scans on its primary key, however
 * long it grows.
 */
const seriesObservations = (tenantId: string) => sql`
  (SELECT lv.updated_at AS recorded_at, lv.quantity WHERE lv.updated_at <= params.start)
  UNION ALL
  (SELECT h.recorded_at, h.quantity
     FROM stock_history h
    WHERE lv.updated_at > params.start
      AND h.tenant_id = ${tenantId} AND h.sku_id = lv.sku_id AND h.warehouse_id = lv.warehouse_id
      AND h.recorded_at <= params.start
    ORDER BY h.recorded_at DESC
    LIMIT 1)
  UNION ALL
  (SELECT h.recorded_at, h.quantity
     FROM stock_history h
    WHERE h.tenant_id = ${tenantId} AND h.sku_id = lv.sku_id AND h.warehouse_id = lv.warehouse_id
      AND h.recorded_at > params.start AND h.recorded_at <= params.now
    ORDER BY h.recorded_at)
  UNION ALL
  (SELECT lv.updated_at, lv.quantity WHERE lv.updated_at > params.start AND lv.updated_at <= params.now)`

export interface RefreshOptions {
  /** Only these products; default: all the tenant's. */
  productIds?: string[]
  /** The window's end; default: the database's clock. */
  now?: Date
  /**
   * A relation of product_id (repeats allowed), e.g. the products whose stock a sync has just changed: their
   * `updated_at` moves to `now` in the same rewrite as their forecast. `updated_at` is indexed, as are the totals, so
   * a separate UPDATE rewrote each such product, index entries and all, a second time (1.5 s for 67,000 products).
   */
  touched?: string
}

/**
 * Recomputes `total_stock`, `sales_per_day` and `days_of_stock` of the tenant's products (or only of
 * `productIds`) from their stock levels and history: the arithmetic of `forecastSeries` and `combineForecasts` in
 * SQL. Each series is reduced to one row inside its correlated subquery and each product to one row by a single
 * aggregate, so nothing the size of the history is sorted, hashed or joined. Rows whose values do not change are
 * not rewritten. The sync calls this at the end of its merge, inside the merge's transaction.
 */
export async function refreshForecasts(tx: Db, tenantId: string, options: RefreshOptions = {}): Promise<void> {
  const { productIds, now, touched } = options
  if (productIds?.length === 0) return
  const onlyProducts = (column: SQL) => (productIds ? sql`AND ${column} = ANY(${uuidArray(productIds)})` : sql``)
  const [joinTouched, isTouched] = touched
    ? [sql`LEFT JOIN (SELECT DISTINCT product_id FROM ${sql.raw(touched)} t) touched ON touched.product_id = p.id`, sql`touched.product_id IS NOT NULL`]
    : [sql``, sql`false`]
  await withSettings(tx, FRESH_ROWS_SETTINGS, () => tx.execute(sql`
    WITH params AS (${windowParams(now)}),
    -- One row per level with its series' rate, computed below the aggregate (OFFSET 0 keeps it there) so that
    -- what is grouped is three columns wide: grouping the levels' own columns spilled 52 MB to disk at 500,000.
    series AS (
      SELECT lv.product_id, lv.quantity,
             -- A scalar subquery inside CASE runs only for the rows that reach it. A level's created_at and
             -- updated_at are its series' first and latest observations' times, which tell without reading the
             -- history the series that have no rate: those unchanged since the window opened (their one observation
             -- is the opening level), those never changed (one observation) and those less than a day old, as are
             -- all of a sync's new levels.
             CASE WHEN lv.updated_at <= params.start OR lv.updated_at = lv.created_at
                       OR lv.created_at > params.now - interval '1 day' THEN NULL ELSE (
               SELECT CASE WHEN s.observations < 2 OR params.now - greatest(s.first_at, params.start) < interval '1 day' THEN NULL
                           WHEN s.in_stock_seconds = 0 THEN 0
                           ELSE s.sold / (s.in_stock_seconds / 86400) END
                 FROM (
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
                 ) s) END AS sales_per_day
        FROM stock_levels lv
       CROSS JOIN params
       WHERE lv.tenant_id = ${tenantId} ${onlyProducts(sql`lv.product_id`)}
      OFFSET 0
    ),
    totals AS (
      SELECT product_id, sum(quantity)::int AS total_stock, sum(sales_per_day)::float8 AS sales_per_day
        FROM series
       GROUP BY product_id
    ),
    -- Products without any stock level: nothing in stock, nothing to forecast.
    fresh AS (
      SELECT p.id AS product_id, coalesce(t.total_stock, 0) AS total_stock, t.sales_per_day,
             CASE WHEN t.sales_per_day > 0 THEN greatest(t.total_stock, 0) / t.sales_per_day END AS days_of_stock,
             ${isTouched} AND p.updated_at < params.now AS touched
        FROM products p
       CROSS JOIN params
        LEFT JOIN totals t ON t.product_id = p.id
        ${joinTouched}
       WHERE p.tenant_id = ${tenantId} ${onlyProducts(sql`p.id`)}
    )
    UPDATE products p
       SET total_stock = f.total_stock, sales_per_day = f.sales_per_day, days_of_stock = f.days_of_stock,
           updated_at = CASE WHEN f.touched THEN params.now ELSE p.updated_at END
      FROM fresh f
     CROSS JOIN params
     WHERE p.tenant_id = ${tenantId} AND p.id = f.product_id
       AND (f.touched OR (p.total_stock, p.sales_per_day, p.days_of_stock) IS DISTINCT FROM (f.total_stock, f.sales_per_day, f.days_of_stock))`))
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
        SELECT l.sku_id, l.warehouse_id, l.quantity, l.updated_at FROM stock_levels l WHERE l.tenant_id = ${tenantId} AND l.product_id = ${productId}
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
