-- A sync now stages what it reads in temporary tables of the one connection it holds for the whole attempt
-- (src/modules/sync/staging.ts): written with COPY, which PostgreSQL refuses on tables under row-level security,
-- private to that attempt by construction, and gone with it. The shared staging tables go, and so do their lines in
-- the tenant cleanup trigger (0013).
DROP TABLE "sync_stage_products" CASCADE;--> statement-breakpoint
DROP TABLE "sync_stage_skus" CASCADE;--> statement-breakpoint
DROP TABLE "sync_stage_stocks" CASCADE;--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_delete_tenant_sync_rows() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM products WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM skus WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM stock_levels WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM stock_history WHERE tenant_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;
