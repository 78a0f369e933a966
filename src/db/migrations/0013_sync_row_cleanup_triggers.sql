-- The cascades 0012 dropped with the foreign keys of products, SKUs, levels, history and staging, as statement-level
-- triggers: one DELETE per deleting statement instead of a key check per row the sync writes. They run as the
-- deleting role, so RLS lets them remove exactly what that role could have deleted itself.
CREATE OR REPLACE FUNCTION app_delete_tenant_sync_rows() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM products WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM skus WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM stock_levels WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM stock_history WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM sync_stage_products WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM sync_stage_skus WHERE tenant_id IN (SELECT id FROM gone);
  DELETE FROM sync_stage_stocks WHERE tenant_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER tenants_delete_sync_rows AFTER DELETE ON tenants REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION app_delete_tenant_sync_rows();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_delete_product_skus() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM skus s USING gone g WHERE s.tenant_id = g.tenant_id AND s.product_id = g.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_delete_skus AFTER DELETE ON products REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION app_delete_product_skus();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_delete_sku_levels() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM stock_levels l USING gone g WHERE l.tenant_id = g.tenant_id AND l.sku_id = g.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER skus_delete_levels AFTER DELETE ON skus REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION app_delete_sku_levels();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_delete_warehouse_levels() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM stock_levels l USING gone g WHERE l.tenant_id = g.tenant_id AND l.warehouse_id = g.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER warehouses_delete_levels AFTER DELETE ON warehouses REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION app_delete_warehouse_levels();
