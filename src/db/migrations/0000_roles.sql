-- Two NOLOGIN roles that the connecting user switches to per transaction (SET LOCAL ROLE):
-- stock_app runs every tenant-scoped query and is bound by row-level security;
-- stock_system runs the few cross-tenant paths (sign-up, login by email, refresh, schedulers).
-- Roles are cluster-wide, so creation tolerates a concurrent or earlier creator.
DO $$
BEGIN
  BEGIN
    CREATE ROLE stock_app NOLOGIN NOINHERIT;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  BEGIN
    CREATE ROLE stock_system NOLOGIN NOINHERIT;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;
  EXECUTE format('GRANT stock_app, stock_system TO %I', current_user);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS uuid
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
