-- A product's history is read through its levels (one range of the series key each), so history rows need no product
-- column and no second index: a sync writes one index entry per history row instead of two.
DROP INDEX "stock_history_product_idx";--> statement-breakpoint
ALTER TABLE "stock_history" DROP COLUMN "product_id";
