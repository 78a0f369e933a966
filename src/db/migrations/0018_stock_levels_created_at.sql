-- A level's first history row's time, for the forecast: a series whose first row is also its last, or is less than a
-- day old, has no rate, and its history need not be read. Existing levels take it from their history; the tables'
-- policies would hide every row from the migrating owner, so they are lifted for the backfill, inside the
-- migration's transaction.
ALTER TABLE "stock_levels" ADD COLUMN "created_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stock_levels" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_history" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
UPDATE "stock_levels" l
   SET "created_at" = coalesce(
         (SELECT min(h.recorded_at) FROM "stock_history" h
           WHERE h.tenant_id = l.tenant_id AND h.sku_id = l.sku_id AND h.warehouse_id = l.warehouse_id),
         l.updated_at);--> statement-breakpoint
ALTER TABLE "stock_history" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_levels" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "stock_levels" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "stock_levels" ALTER COLUMN "created_at" SET NOT NULL;
