ALTER TABLE "products" DROP CONSTRAINT "products_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "skus" DROP CONSTRAINT "skus_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "skus" DROP CONSTRAINT "skus_product_id_products_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_history" DROP CONSTRAINT "stock_history_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_sku_id_skus_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_warehouse_id_warehouses_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_stage_products" DROP CONSTRAINT "sync_stage_products_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_stage_skus" DROP CONSTRAINT "sync_stage_skus_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_stage_stocks" DROP CONSTRAINT "sync_stage_stocks_tenant_id_tenants_id_fk";
