-- A series' current observation is its level: the history keeps only the observations before it, so a first sync
-- writes no history and each later change moves the superseded figures there. Each series' last history row, the one
-- its level was written with (same time), goes. The tables' policies would hide every row from the migrating owner,
-- so they are lifted for that statement, inside the migration's transaction. The history's job id goes too: nothing
-- reads it, and a row's time is its sync's stamp.
ALTER TABLE "stock_levels" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_history" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
DELETE FROM "stock_history" h
 USING "stock_levels" l
 WHERE h.tenant_id = l.tenant_id AND h.sku_id = l.sku_id AND h.warehouse_id = l.warehouse_id AND h.recorded_at = l.updated_at;--> statement-breakpoint
ALTER TABLE "stock_history" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_levels" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_history" DROP COLUMN "sync_job_id";
