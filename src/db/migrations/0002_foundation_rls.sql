-- Row-level security for every tenant-scoped table. FORCE makes the policies apply to the table owner too,
-- so only the two roles below can see rows, each through its own policy. The system policy tests current_user
-- rather than relying on TO alone: the connecting role is a member of stock_system (to SET ROLE to it) and would
-- otherwise inherit its unrestricted view outside any app transaction.
CREATE OR REPLACE FUNCTION app_enable_tenant_rls(target regclass, tenant_column text DEFAULT 'tenant_id') RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s FOR ALL TO stock_app USING (%I = app_current_tenant()) WITH CHECK (%I = app_current_tenant())',
    target, tenant_column, tenant_column);
  EXECUTE format('DROP POLICY IF EXISTS system_access ON %s', target);
  EXECUTE format('CREATE POLICY system_access ON %s FOR ALL TO stock_system USING (current_user = ''stock_system'') WITH CHECK (current_user = ''stock_system'')', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO stock_app, stock_system', target);
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO stock_app, stock_system;
--> statement-breakpoint
SELECT app_enable_tenant_rls('tenants', 'id');
--> statement-breakpoint
SELECT app_enable_tenant_rls('subscriptions');
--> statement-breakpoint
SELECT app_enable_tenant_rls('users');
--> statement-breakpoint
SELECT app_enable_tenant_rls('sessions');
--> statement-breakpoint
SELECT app_enable_tenant_rls('refresh_tokens');
--> statement-breakpoint
SELECT app_enable_tenant_rls('marketplace_credentials');
--> statement-breakpoint
SELECT app_enable_tenant_rls('audit_events');
--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO stock_app, stock_system;
