import type { Db, SqlExecutor } from '../../db/database.js'
import { withSettings } from '../../db/planner.js'

export interface MergeInput {
  tenantId: string
  syncJobId: string
  /** Marketplaces this sync read completely: only their products may be archived and their levels zeroed. */
  marketplaces: string[]
  /** The plan's product quota; null = unlimited. Products beyond it, in external-id order, are not stored. */
  productLimit: number | null
  syncedAt: Date
}

export interface MergeResult {
  products: number
  truncated: boolean
  historyRows: number
  /** A relation of the (sku_id, warehouse_id) levels this merge created, valid until the transaction ends. */
  newSeries: string
}

/**
 * Every statement joins sets of the catalogue's size (what was staged against what is stored), for which hash
 * joins are right, while the tables just written have no statistics and the planner would take them for tiny and
 * loop over index probes (3 per staged stock row). Sorts and hashes of 500,000 rows fit in memory with 64 MB
 * instead of spilling to disk; JIT compilation would cost more than it saves.
 */
const MERGE_SETTINGS = { enable_nestloop: 'off', work_mem: '64MB', jit: 'off' }

/**
 * Turns what a sync staged into the tenant's catalogue, inside the caller's (single) transaction: set-based
 * statements only, so readers see either the previous picture or the complete new one. Levels that changed (or
 * vanished, counted as zero) get one history row stamped with the sync time; an unchanged level gets none, so a
 * repeated sync adds no history.
 */
export async function mergeStaged(tx: Db, raw: SqlExecutor, input: MergeInput): Promise<MergeResult> {
  return withSettings(tx, MERGE_SETTINGS, () => merge(raw, input))
}

async function merge(raw: SqlExecutor, input: MergeInput): Promise<MergeResult> {
  const { tenantId, syncJobId, marketplaces, productLimit, syncedAt } = input
  const at = syncedAt.toISOString()

  const [{ staged } = { staged: 0 }] = (
    await raw.query<{ staged: number }>('SELECT count(*)::int AS staged FROM sync_stage_products WHERE sync_job_id = $1', [syncJobId])
  ).rows

  await raw.query(
    `CREATE TEMP TABLE merge_kept ON COMMIT DROP AS
       SELECT marketplace_type, external_id, vendor_code, name, brand, category, barcodes,
              lower(concat_ws(' ', name, vendor_code, array_to_string(barcodes, ' '))) AS search_text
         FROM sync_stage_products WHERE sync_job_id = $1
        ORDER BY marketplace_type, external_id
        LIMIT $2`,
    [syncJobId, productLimit]
  )

  await raw.query(
    `INSERT INTO warehouses (tenant_id, marketplace_type, external_id, name, type)
     SELECT $1::uuid, marketplace_type, warehouse_external_id, min(warehouse_name), min(warehouse_type)
       FROM sync_stage_stocks WHERE sync_job_id = $2
      GROUP BY marketplace_type, warehouse_external_id
     ON CONFLICT (tenant_id, marketplace_type, external_id) DO UPDATE
        SET name = excluded.name, type = excluded.type, updated_at = now()
      WHERE (warehouses.name, warehouses.type) IS DISTINCT FROM (excluded.name, excluded.type)`,
    [tenantId, syncJobId]
  )

  // Products and SKUs that exist are updated where they changed, before the new ones are inserted plainly: no other
  // writer adds a tenant's products or SKUs while its sync runs, and ON CONFLICT would probe the key of every row
  // before inserting it, which a first sync pays for each of its 100,000 products and SKUs.
  await raw.query(
    `UPDATE products p
        SET vendor_code = k.vendor_code, name = k.name, brand = k.brand, category = k.category, barcodes = k.barcodes,
            search_text = k.search_text, archived = false, archived_at = NULL, updated_at = $2::timestamptz
       FROM merge_kept k
      WHERE p.tenant_id = $1 AND p.marketplace_type = k.marketplace_type AND p.external_id = k.external_id
        AND (p.vendor_code, p.name, p.brand, p.category, p.barcodes, p.archived)
            IS DISTINCT FROM (k.vendor_code, k.name, k.brand, k.category, k.barcodes, false)`,
    [tenantId, at]
  )

  // A new product starts with the stock staged for it, the total the forecast refresh computes from its levels:
  // otherwise that refresh would rewrite every new row (and all its index entries, trigrams included) at once.
  await raw.query(
    `INSERT INTO products (tenant_id, marketplace_type, external_id, vendor_code, name, brand, category, barcodes, search_text, total_stock, updated_at)
     SELECT $1::uuid, k.marketplace_type, k.external_id, k.vendor_code, k.name, k.brand, k.category, k.barcodes, k.search_text,
            coalesce(t.units, 0), $2::timestamptz
       FROM merge_kept k
       LEFT JOIN (SELECT sk.marketplace_type, sk.product_external_id, sum(st.quantity)::int AS units
                    FROM sync_stage_stocks st
                    JOIN sync_stage_skus sk
                      ON sk.sync_job_id = st.sync_job_id AND sk.marketplace_type = st.marketplace_type AND sk.external_id = st.sku_external_id
                   WHERE st.sync_job_id = $3
                   GROUP BY sk.marketplace_type, sk.product_external_id) t
         ON t.marketplace_type = k.marketplace_type AND t.product_external_id = k.external_id
      WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.tenant_id = $1 AND p.marketplace_type = k.marketplace_type AND p.external_id = k.external_id)
      ORDER BY k.marketplace_type, k.external_id`,
    [tenantId, at, syncJobId]
  )

  await raw.query(
    `UPDATE products p SET archived = true, archived_at = $3::timestamptz, updated_at = $3::timestamptz
      WHERE p.tenant_id = $1 AND p.marketplace_type = ANY($2::text[]) AND NOT p.archived
        AND NOT EXISTS (SELECT 1 FROM merge_kept k WHERE k.marketplace_type = p.marketplace_type AND k.external_id = p.external_id)`,
    [tenantId, marketplaces, at]
  )

  const stagedSkus = `sync_stage_skus s
       JOIN merge_kept k ON k.marketplace_type = s.marketplace_type AND k.external_id = s.product_external_id
       JOIN products p ON p.tenant_id = $1 AND p.marketplace_type = s.marketplace_type AND p.external_id = s.product_external_id`
  await raw.query(
    `UPDATE skus x SET product_id = p.id, size = s.size, barcodes = s.barcodes
       FROM ${stagedSkus}
      WHERE s.sync_job_id = $2 AND x.tenant_id = $1 AND x.marketplace_type = s.marketplace_type AND x.external_id = s.external_id
        AND (x.product_id, x.size, x.barcodes) IS DISTINCT FROM (p.id, s.size, s.barcodes)`,
    [tenantId, syncJobId]
  )
  await raw.query(
    `INSERT INTO skus (tenant_id, product_id, marketplace_type, external_id, size, barcodes)
     SELECT $1::uuid, p.id, s.marketplace_type, s.external_id, s.size, s.barcodes
       FROM ${stagedSkus}
      WHERE s.sync_job_id = $2
        AND NOT EXISTS (SELECT 1 FROM skus x WHERE x.tenant_id = $1 AND x.marketplace_type = s.marketplace_type AND x.external_id = s.external_id)`,
    [tenantId, syncJobId]
  )

  await raw.query(
    `CREATE TEMP TABLE merge_levels ON COMMIT DROP AS
       SELECT sk.id AS sku_id, w.id AS warehouse_id, sk.product_id,
              sum(st.quantity)::int AS quantity, sum(st.reserved)::int AS reserved,
              sum(st.in_way_to_client)::int AS in_way_to_client, sum(st.in_way_from_client)::int AS in_way_from_client
         FROM sync_stage_stocks st
         JOIN skus sk ON sk.tenant_id = $1 AND sk.marketplace_type = st.marketplace_type AND sk.external_id = st.sku_external_id
         JOIN products p ON p.id = sk.product_id AND NOT p.archived
         JOIN warehouses w ON w.tenant_id = $1 AND w.marketplace_type = st.marketplace_type AND w.external_id = st.warehouse_external_id
        WHERE st.sync_job_id = $2
        GROUP BY sk.id, w.id, sk.product_id`,
    [tenantId, syncJobId]
  )

  await raw.query(
    `CREATE TEMP TABLE merge_changes ON COMMIT DROP AS
       SELECT n.sku_id, n.warehouse_id, n.product_id, n.quantity, n.reserved, n.in_way_to_client, n.in_way_from_client,
              l.sku_id IS NULL AS created
         FROM merge_levels n
         LEFT JOIN stock_levels l ON l.tenant_id = $1 AND l.sku_id = n.sku_id AND l.warehouse_id = n.warehouse_id
        WHERE l.sku_id IS NULL
           OR (l.quantity, l.reserved, l.in_way_to_client, l.in_way_from_client)
              IS DISTINCT FROM (n.quantity, n.reserved, n.in_way_to_client, n.in_way_from_client)
       UNION ALL
       SELECT l.sku_id, l.warehouse_id, l.product_id, 0, 0, 0, 0, false
         FROM stock_levels l
         JOIN warehouses w ON w.id = l.warehouse_id
        WHERE l.tenant_id = $1 AND w.marketplace_type = ANY($2::text[])
          AND (l.quantity, l.reserved, l.in_way_to_client, l.in_way_from_client) <> (0, 0, 0, 0)
          AND NOT EXISTS (SELECT 1 FROM merge_levels n WHERE n.sku_id = l.sku_id AND n.warehouse_id = l.warehouse_id)
        ORDER BY sku_id, warehouse_id`,
    [tenantId, marketplaces]
  )

  // The changes were written in key order, which a scan of this temp table returns, so both inserts below walk the
  // primary keys' B-trees in order rather than at random, without sorting again. History rows are keyed by the
  // sync's stamp, which no earlier merge of the tenant can have used, and new levels are plainly inserted (no other
  // writer runs while the tenant's sync does); existing levels are updated.
  const history = await raw.query(
    `INSERT INTO stock_history (tenant_id, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, recorded_at, sync_job_id)
     SELECT $1::uuid, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, $2::timestamptz, $3::uuid
       FROM merge_changes`,
    [tenantId, at, syncJobId]
  )
  await raw.query(
    `INSERT INTO stock_levels (tenant_id, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, updated_at)
     SELECT $1::uuid, sku_id, warehouse_id, product_id, quantity, reserved, in_way_to_client, in_way_from_client, $2::timestamptz
       FROM merge_changes
      WHERE created`,
    [tenantId, at]
  )
  await raw.query(
    `UPDATE stock_levels l
        SET product_id = c.product_id, quantity = c.quantity, reserved = c.reserved,
            in_way_to_client = c.in_way_to_client, in_way_from_client = c.in_way_from_client, updated_at = $2::timestamptz
       FROM merge_changes c
      WHERE l.tenant_id = $1 AND NOT c.created AND l.sku_id = c.sku_id AND l.warehouse_id = c.warehouse_id`,
    [tenantId, at]
  )

  await raw.query(
    `UPDATE products p SET updated_at = $2::timestamptz
      WHERE p.tenant_id = $1 AND p.id IN (SELECT DISTINCT product_id FROM merge_changes) AND p.updated_at < $2::timestamptz`,
    [tenantId, at]
  )

  const kept = productLimit === null ? staged : Math.min(staged, productLimit)
  return {
    products: kept,
    truncated: staged > kept,
    historyRows: (history as { rowCount?: number; affectedRows?: number }).rowCount ?? (history as { affectedRows?: number }).affectedRows ?? 0,
    newSeries: '(SELECT sku_id, warehouse_id FROM merge_changes WHERE created)'
  }
}
