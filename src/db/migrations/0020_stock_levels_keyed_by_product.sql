-- Levels are keyed by product first (see src/db/schema.ts): one index instead of two, and the reads by product use
-- it. Deleting a SKU deletes its levels through the same key's prefix.
DROP INDEX "stock_levels_product_idx";--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_tenant_id_sku_id_warehouse_id_pk";--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_tenant_id_product_id_sku_id_warehouse_id_pk" PRIMARY KEY("tenant_id","product_id","sku_id","warehouse_id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_delete_sku_levels() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM stock_levels l USING gone g WHERE l.tenant_id = g.tenant_id AND l.product_id = g.product_id AND l.sku_id = g.id;
  RETURN NULL;
END
$$;
