-- The tenant policy's function, as a scalar subquery, becomes an InitPlan evaluated once per statement; called bare
-- it is evaluated for every row a statement checks or filters (about half a microsecond each: a sync's first merge
-- checks 1.2 million rows). It is still an index condition wherever the bare call was.
CREATE OR REPLACE FUNCTION app_enable_tenant_rls(target regclass, tenant_column text DEFAULT 'tenant_id') RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s FOR ALL TO stock_app USING (%I = (SELECT app_current_tenant())) WITH CHECK (%I = (SELECT app_current_tenant()))',
    target, tenant_column, tenant_column);
  EXECUTE format('DROP POLICY IF EXISTS system_access ON %s', target);
  EXECUTE format('CREATE POLICY system_access ON %s FOR ALL TO stock_system USING (current_user = ''stock_system'') WITH CHECK (current_user = ''stock_system'')', target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO stock_app, stock_system', target);
END
$$;
--> statement-breakpoint
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' LOOP
    PERFORM app_enable_tenant_rls(t.tablename::regclass, CASE t.tablename WHEN 'tenants' THEN 'id' ELSE 'tenant_id' END);
  END LOOP;
END
$$;
