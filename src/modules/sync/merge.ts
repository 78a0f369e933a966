import { randomBytes } from 'node:crypto'
import type { Db, SqlExecutor } from '../../db/database.js'
import { FRESH_ROWS_SETTINGS, withSettings } from '../../db/planner.js'
import type { RefreshOptions } from '../forecast/repository.js'
import type { Staging } from './staging.js'

export interface MergeInput {
  tenantId: string
  /** Marketplaces this sync read completely: only their products may be archived and their levels zeroed. */
  marketplaces: string[]
  /** The plan's product quota; null = unlimited. Products beyond it, in external-id order, are not stored. */
  productLimit: number | null
  syncedAt: Date
  /** The attempt's staging tables, filled and on this transaction's connection. */
  staging: Staging
}

export interface MergeResult {
  products: number
  truncated: boolean
  /** Superseded levels moved to the history. */
  historyRows: number
  /**
   * What the forecast refresh that must follow in the same transaction reads (a relation valid until it ends): the
   * products of every level this merge changed, whose `updated_at` moves to the sync's time in the refresh's
   * rewrite. The levels it created need no mention: their `created_at` tells the refresh they have no rate. `null`
   * when the tenant had no products before:
   * every product was inserted with the total of its new levels and no rate (one observation per series gives none),
   * which is what the refresh would compute.
   */
  forecastRefresh: RefreshOptions | null
}

/**
 * The first 24 hex digits of the ids one statement gives new rows, the row's ordinal making the last 8: a UUIDv7
 * (RFC 9562) of the merge's millisecond, with 42 random bits per statement and the ordinal as a counter. Ids given in
 * key order ascend, so the indexes leading with them (products and SKUs by id, levels and history by SKU and by
 * product) are written at one edge rather than at random pages, and no row pays for `gen_random_uuid()`.
 */
export function orderedIdPrefix(at: Date): string {
  const random = randomBytes(6).toString('hex')
  const variant = (8 + (Number.parseInt(random[3]!, 16) & 3)).toString(16)
  return `${at.getTime().toString(16).padStart(12, '0')}7${random.slice(0, 3)}${variant}${random.slice(4, 11)}`
}

const orderedId = (prefix: string, ordinal: string) => `('${prefix}' || lpad(to_hex(${ordinal}), 8, '0'))::uuid`

/**
 * Turns what a sync staged into the tenant's catalogue, inside the caller's (single) transaction: set-based
 * statements only, so readers see either the previous picture or the complete new one. A level that changed (or
 * vanished, counted as zero) takes the sync's figures and time, and its superseded ones become a history row; an
 * unchanged level gets none, so a repeated sync adds no history.
 */
export async function mergeStaged(tx: Db, raw: SqlExecutor, input: MergeInput): Promise<MergeResult> {
  return withSettings(tx, FRESH_ROWS_SETTINGS, () => merge(raw, input))
}

async function merge(raw: SqlExecutor, input: MergeInput): Promise<MergeResult> {
  const { tenantId, marketplaces, productLimit, syncedAt, staging } = input
  const at = syncedAt.toISOString()
  const stage = staging.names

  const [before] = (
    await raw.query<{ products: boolean; levels: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM products WHERE tenant_id = $1) AS products, EXISTS (SELECT 1 FROM stock_levels WHERE tenant_id = $1) AS levels`,
      [tenantId]
    )
  ).rows
  const hadProducts = before?.products ?? true
  const hadLevels = before?.levels ?? true

  // The products kept: the latest staged copy of each, the first `productLimit` in external-id order, each with its
  // stored id or a new one (ascending in that order), and whether it differs from the stored one.
  const keptRows = await raw.query(
    `CREATE TEMP TABLE merge_kept ON COMMIT DROP AS
       SELECT d.marketplace_type, d.external_id, d.vendor_code, d.name, d.brand, d.category, d.barcodes, d.search_text,
              coalesce(p.id, ${orderedId(orderedIdPrefix(syncedAt), 'd.n')}) AS id, p.id IS NULL AS created,
              p.id IS NOT NULL AND (p.vendor_code, p.name, p.brand, p.category, p.barcodes, p.archived)
                                   IS DISTINCT FROM (d.vendor_code, d.name, d.brand, d.category, d.barcodes, false) AS changed
         FROM (SELECT u.*, lower(concat_ws(' ', u.name, u.vendor_code, array_to_string(u.barcodes, ' '))) AS search_text,
                      row_number() OVER (ORDER BY u.marketplace_type, u.external_id) AS n
                 FROM (SELECT DISTINCT ON (marketplace_type, external_id) marketplace_type, external_id, vendor_code, name, brand, category, barcodes
                         FROM ${stage.products}
                        ORDER BY marketplace_type, external_id, batch DESC) u) d
         LEFT JOIN products p ON p.tenant_id = $1 AND p.marketplace_type = d.marketplace_type AND p.external_id = d.external_id
        WHERE $2::int IS NULL OR d.n <= $2::int`,
    [tenantId, productLimit]
  )
  const kept = keptRows.rowCount ?? 0
  let truncated = false
  if (productLimit !== null && kept >= productLimit) {
    const [{ staged } = { staged: 0 }] = (
      await raw.query<{ staged: number }>(`SELECT count(*)::int AS staged FROM (SELECT DISTINCT marketplace_type, external_id FROM ${stage.products}) d`)
    ).rows
    truncated = staged > kept
  }

  await raw.query(
    `INSERT INTO warehouses (tenant_id, marketplace_type, external_id, name, type)
     SELECT DISTINCT ON (marketplace_type, external_id) $1::uuid, marketplace_type, external_id, name, type
       FROM ${stage.warehouses}
      ORDER BY marketplace_type, external_id, name, type
     ON CONFLICT (tenant_id, marketplace_type, external_id) DO UPDATE
        SET name = excluded.name, type = excluded.type, updated_at = now()
      WHERE (warehouses.name, warehouses.type) IS DISTINCT FROM (excluded.name, excluded.type)`,
    [tenantId]
  )

  if (hadProducts) {
    // Usually none changed (a scheduled sync of an unchanged catalogue), and the join that found none took 0.17 s at
    // 100,000 products.
    const [some] = (await raw.query<{ changed: boolean }>('SELECT EXISTS (SELECT 1 FROM merge_kept WHERE changed) AS changed')).rows
    if (some!.changed) {
      await raw.query(
        `UPDATE products p
            SET vendor_code = k.vendor_code, name = k.name, brand = k.brand, category = k.category, barcodes = k.barcodes,
                search_text = k.search_text, archived = false, archived_at = NULL, updated_at = $2::timestamptz
           FROM merge_kept k
          WHERE p.tenant_id = $1 AND p.id = k.id AND k.changed`,
        [tenantId, at]
      )
    }
    await raw.query(
      `UPDATE products p SET archived = true, archived_at = $3::timestamptz, updated_at = $3::timestamptz
        WHERE p.tenant_id = $1 AND p.marketplace_type = ANY($2::text[]) AND NOT p.archived
          AND NOT EXISTS (SELECT 1 FROM merge_kept k WHERE k.id = p.id)`,
      [tenantId, marketplaces, at]
    )
  }

  // The SKUs of kept products, each with its stored id or a new one, new ones ascending with their product's id.
  await raw.query(
    `CREATE TEMP TABLE merge_skus ON COMMIT DROP AS
       SELECT s.marketplace_type, s.external_id, s.size, s.barcodes, k.id AS product_id,
              coalesce(x.id, ${orderedId(orderedIdPrefix(syncedAt), 'row_number() OVER (ORDER BY k.id, s.external_id)')}) AS id,
              x.id IS NULL AS created,
              (x.product_id, x.size, x.barcodes) IS DISTINCT FROM (k.id, s.size, s.barcodes) AS changed
         FROM (SELECT DISTINCT ON (marketplace_type, external_id) marketplace_type, product_external_id, external_id, size, barcodes
                 FROM ${stage.skus}
                ORDER BY marketplace_type, external_id, batch DESC) s
         JOIN merge_kept k ON k.marketplace_type = s.marketplace_type AND k.external_id = s.product_external_id
         LEFT JOIN skus x ON x.tenant_id = $1 AND x.marketplace_type = s.marketplace_type AND x.external_id = s.external_id`,
    [tenantId]
  )
  if (hadProducts) {
    const changedSkus = await raw.query(
      `UPDATE skus x SET product_id = m.product_id, size = m.size, barcodes = m.barcodes
         FROM merge_skus m
        WHERE x.tenant_id = $1 AND x.id = m.id AND NOT m.created AND m.changed`,
      [tenantId]
    )
    // A SKU the marketplace moved to another product takes its levels along, changed or not: products' totals are
    // summed from the levels. Moving is not a change of stock, so it writes no history. Usually no SKU changed, and
    // the join that finds none cost 0.25 s at 500,000 levels.
    if (hadLevels && (changedSkus.rowCount ?? 0) > 0) {
      await raw.query(
        `UPDATE stock_levels l SET product_id = m.product_id
           FROM merge_skus m
          WHERE l.tenant_id = $1 AND l.sku_id = m.id AND NOT m.created AND m.changed AND l.product_id <> m.product_id`,
        [tenantId]
      )
    }
  }
  // Plain inserts: no other writer adds a tenant's products, SKUs or levels while its sync runs, and ON CONFLICT
  // would probe the key of every row first.
  await raw.query(
    `INSERT INTO skus (id, tenant_id, product_id, marketplace_type, external_id, size, barcodes)
     SELECT id, $1::uuid, product_id, marketplace_type, external_id, size, barcodes
       FROM merge_skus WHERE created ORDER BY id`,
    [tenantId]
  )

  // SKUs staged more than once (their card read again, e.g. edited mid-sync) and the batch of their last read: their
  // stock was read with each, and only the last read counts. Usually none.
  const reread = await raw.query(
    `CREATE TEMP TABLE merge_reread ON COMMIT DROP AS
       SELECT marketplace_type, external_id, max(batch) AS batch
         FROM ${stage.skus}
        GROUP BY marketplace_type, external_id
       HAVING count(*) > 1`
  )
  // Without rereads every staged row counts, and leaving out the join to the empty table let the planner hash the
  // SKUs rather than the 500,000 staged rows (0.98-1.01 s instead of 1.26-1.37 s at 100,000 products).
  const lastRead =
    (reread.rowCount ?? 0) > 0
      ? {
          join: 'LEFT JOIN merge_reread r ON r.marketplace_type = st.marketplace_type AND r.external_id = st.sku_external_id',
          where: 'WHERE st.batch IS NULL OR r.batch IS NULL OR st.batch = r.batch'
        }
      : { join: '', where: '' }

  // Staged stock of the tenant's SKUs whose product is kept (an existing SKU of a kept product counts even when its
  // card no longer lists it), of a SKU's last read and of the reports, summed per level, in key order. A tenant
  // without products has only the SKUs just inserted, all of kept products already: the join that would check it
  // cost half a second at 500,000 stock rows.
  const keptSkus = hadProducts
    ? 'skus sk ON sk.tenant_id = $1 AND sk.marketplace_type = st.marketplace_type AND sk.external_id = st.sku_external_id JOIN merge_kept k ON k.id = sk.product_id'
    : 'merge_skus sk ON sk.marketplace_type = st.marketplace_type AND sk.external_id = st.sku_external_id'
  await raw.query(
    `CREATE TEMP TABLE merge_levels ON COMMIT DROP AS
       SELECT sk.id AS sku_id, w.id AS warehouse_id, sk.product_id,
              sum(st.quantity)::int AS quantity, sum(st.reserved)::int AS reserved,
              sum(st.in_way_to_client)::int AS in_way_to_client, sum(st.in_way_from_client)::int AS in_way_from_client
         FROM ${stage.stocks} st
         ${lastRead.join}
         JOIN ${keptSkus}
         JOIN warehouses w ON w.tenant_id = $1 AND w.marketplace_type = st.marketplace_type AND w.external_id = st.warehouse_external_id
        ${lastRead.where}
        GROUP BY sk.id, w.id, sk.product_id
        ORDER BY sk.id, w.id`,
    [tenantId]
  )

  // A tenant without levels (a first sync) has nothing to compare with: every level is new, and has no past.
  let changes = '(SELECT *, true AS created FROM merge_levels)'
  let historyRows = 0
  if (hadLevels) {
    // Each change with the figures it supersedes (`was_…`, seen at `was_at`), which become history: levels read
    // that are new or differ, and levels of the synced marketplaces not read at all (vanished, now zero) unless
    // already zero. One join finds both: the staged levels are all of those marketplaces' warehouses.
    await raw.query(
      `CREATE TEMP TABLE merge_changes ON COMMIT DROP AS
         SELECT coalesce(n.sku_id, l.sku_id) AS sku_id, coalesce(n.warehouse_id, l.warehouse_id) AS warehouse_id,
                coalesce(n.product_id, l.product_id) AS product_id, coalesce(n.quantity, 0) AS quantity,
                coalesce(n.reserved, 0) AS reserved, coalesce(n.in_way_to_client, 0) AS in_way_to_client,
                coalesce(n.in_way_from_client, 0) AS in_way_from_client,
                l.sku_id IS NULL AS created, l.quantity AS was_quantity, l.reserved AS was_reserved,
                l.in_way_to_client AS was_in_way_to_client, l.in_way_from_client AS was_in_way_from_client, l.updated_at AS was_at
           FROM merge_levels n
           FULL JOIN (SELECT l.* FROM stock_levels l JOIN warehouses w ON w.id = l.warehouse_id
                       WHERE l.tenant_id = $1 AND w.tenant_id = $1 AND w.marketplace_type = ANY($2::text[])) l
             ON l.sku_id = n.sku_id AND l.warehouse_id = n.warehouse_id
          WHERE CASE WHEN n.sku_id IS NULL THEN (l.quantity, l.reserved, l.in_way_to_client, l.in_way_from_client) <> (0, 0, 0, 0)
                     ELSE l.sku_id IS NULL
                          OR (l.quantity, l.reserved, l.in_way_to_client, l.in_way_from_client)
                             IS DISTINCT FROM (n.quantity, n.reserved, n.in_way_to_client, n.in_way_from_client) END
          ORDER BY sku_id, warehouse_id`,
      [tenantId, marketplaces]
    )
    changes = 'merge_changes'
    // The changes are in the history's key order (SKU, warehouse), which a scan returns, so this insert walks its
    // B-tree in order; new SKUs' ids ascend with their products', so the new levels below are in their key order
    // too. A level's time is later than any of its history rows', so the row it leaves is new.
    const history = await raw.query(
      `INSERT INTO stock_history (tenant_id, sku_id, warehouse_id, quantity, reserved, in_way_to_client, in_way_from_client, recorded_at)
       SELECT $1::uuid, sku_id, warehouse_id, was_quantity, was_reserved, was_in_way_to_client, was_in_way_from_client, was_at
         FROM merge_changes
        WHERE NOT created`,
      [tenantId]
    )
    historyRows = history.rowCount ?? 0
  }

  await raw.query(
    `INSERT INTO stock_levels (tenant_id, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, created_at, updated_at)
     SELECT $1::uuid, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, $2::timestamptz, $2::timestamptz
       FROM ${changes} c
      WHERE created`,
    [tenantId, at]
  )
  if (hadLevels) {
    await raw.query(
      `UPDATE stock_levels l
          SET product_id = c.product_id, quantity = c.quantity, reserved = c.reserved,
              in_way_to_client = c.in_way_to_client, in_way_from_client = c.in_way_from_client, updated_at = $2::timestamptz
         FROM merge_changes c
        WHERE l.tenant_id = $1 AND NOT c.created AND l.sku_id = c.sku_id AND l.warehouse_id = c.warehouse_id`,
      [tenantId, at]
    )
  }
  // New products last, with the stock just summed for them: the forecast refresh computes the same total, and would
  // otherwise rewrite every new row (and all its index entries) at once.
  await raw.query(
    `INSERT INTO products (id, tenant_id, marketplace_type, external_id, vendor_code, name, brand, category, barcodes, search_text, total_stock, updated_at)
     SELECT k.id, $1::uuid, k.marketplace_type, k.external_id, k.vendor_code, k.name, k.brand, k.category, k.barcodes, k.search_text,
            coalesce(t.units, 0), $2::timestamptz
       FROM merge_kept k
       LEFT JOIN (SELECT product_id, sum(quantity)::int AS units FROM merge_levels GROUP BY product_id) t ON t.product_id = k.id
      WHERE k.created
      ORDER BY k.id`,
    [tenantId, at]
  )

  return {
    products: kept,
    truncated,
    historyRows,
    // The refresh's window ends at the sync's own stamp, so the rows just written are inside it whatever the DB clock says.
    forecastRefresh: hadProducts ? { now: syncedAt, touched: `(SELECT product_id FROM ${changes} c)` } : null
  }
}
