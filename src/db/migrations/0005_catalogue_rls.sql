-- Staging tables are UNLOGGED (see 0004): they hold only what an unfinished sync has read, which a retry reads again.
SELECT app_enable_tenant_rls('products');
--> statement-breakpoint
SELECT app_enable_tenant_rls('skus');
--> statement-breakpoint
SELECT app_enable_tenant_rls('warehouses');
--> statement-breakpoint
SELECT app_enable_tenant_rls('stock_levels');
--> statement-breakpoint
SELECT app_enable_tenant_rls('stock_history');
--> statement-breakpoint
SELECT app_enable_tenant_rls('sync_jobs');
--> statement-breakpoint
SELECT app_enable_tenant_rls('sync_stage_products');
--> statement-breakpoint
SELECT app_enable_tenant_rls('sync_stage_skus');
--> statement-breakpoint
SELECT app_enable_tenant_rls('sync_stage_stocks');
