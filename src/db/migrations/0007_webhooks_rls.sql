SELECT app_enable_tenant_rls('webhook_endpoints');
--> statement-breakpoint
SELECT app_enable_tenant_rls('webhook_messages');
--> statement-breakpoint
SELECT app_enable_tenant_rls('webhook_attempts');
--> statement-breakpoint
SELECT app_enable_tenant_rls('product_alerts');
--> statement-breakpoint
SELECT app_enable_tenant_rls('telegram_settings');
--> statement-breakpoint
-- webhook_attempts.id is the first sequence since the foundation's grant; the app roles need it to insert.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO stock_app, stock_system;
