-- The trigram index cannot serve `q` under row-level security (LIKE is not leakproof, so PostgreSQL will not
-- apply it ahead of the tenant policy); it only cost writes on every sync merge.
DROP INDEX "products_search_idx";--> statement-breakpoint
CREATE INDEX "sync_jobs_status_idx" ON "sync_jobs" USING btree ("tenant_id","status","finished_at");