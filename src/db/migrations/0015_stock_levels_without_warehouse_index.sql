-- Nothing reads one warehouse's levels alone (the product list's warehouse filter probes a product's levels through
-- stock_levels_product_idx; the warehouse summary groups all of the tenant's), while a sync wrote one entry here per level.
DROP INDEX "stock_levels_warehouse_idx";
