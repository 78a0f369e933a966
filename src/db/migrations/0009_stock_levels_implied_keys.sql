ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "stock_levels" DROP CONSTRAINT "stock_levels_product_id_products_id_fk";
