CREATE TABLE "products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"external_id" text NOT NULL,
	"vendor_code" text,
	"name" text NOT NULL,
	"brand" text,
	"category" text,
	"barcodes" text[] DEFAULT '{}'::text[] NOT NULL,
	"search_text" text DEFAULT '' NOT NULL,
	"low_stock_threshold" integer,
	"archived" boolean DEFAULT false NOT NULL,
	"archived_at" timestamp with time zone,
	"total_stock" integer DEFAULT 0 NOT NULL,
	"sales_per_day" double precision,
	"days_of_stock" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "skus" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"external_id" text NOT NULL,
	"size" text,
	"barcodes" text[] DEFAULT '{}'::text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stock_history" (
	"tenant_id" uuid NOT NULL,
	"sku_id" uuid NOT NULL,
	"warehouse_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"reserved" integer NOT NULL,
	"in_way_to_client" integer NOT NULL,
	"in_way_from_client" integer NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"sync_job_id" uuid,
	CONSTRAINT "stock_history_tenant_id_sku_id_warehouse_id_recorded_at_pk" PRIMARY KEY("tenant_id","sku_id","warehouse_id","recorded_at")
);
--> statement-breakpoint
CREATE TABLE "stock_levels" (
	"tenant_id" uuid NOT NULL,
	"sku_id" uuid NOT NULL,
	"warehouse_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"reserved" integer DEFAULT 0 NOT NULL,
	"in_way_to_client" integer DEFAULT 0 NOT NULL,
	"in_way_from_client" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_levels_tenant_id_sku_id_warehouse_id_pk" PRIMARY KEY("tenant_id","sku_id","warehouse_id")
);
--> statement-breakpoint
CREATE TABLE "sync_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplaces" text[] NOT NULL,
	"trigger" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"products_seen" integer DEFAULT 0 NOT NULL,
	"stock_rows" integer DEFAULT 0 NOT NULL,
	"truncated" boolean DEFAULT false NOT NULL,
	"error_code" text,
	"error_detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNLOGGED TABLE "sync_stage_products" (
	"sync_job_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"external_id" text NOT NULL,
	"vendor_code" text,
	"name" text NOT NULL,
	"brand" text,
	"category" text,
	"barcodes" text[] NOT NULL,
	CONSTRAINT "sync_stage_products_sync_job_id_marketplace_type_external_id_pk" PRIMARY KEY("sync_job_id","marketplace_type","external_id")
);
--> statement-breakpoint
CREATE UNLOGGED TABLE "sync_stage_skus" (
	"sync_job_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"product_external_id" text NOT NULL,
	"external_id" text NOT NULL,
	"size" text,
	"barcodes" text[] NOT NULL,
	CONSTRAINT "sync_stage_skus_sync_job_id_marketplace_type_external_id_pk" PRIMARY KEY("sync_job_id","marketplace_type","external_id")
);
--> statement-breakpoint
CREATE UNLOGGED TABLE "sync_stage_stocks" (
	"sync_job_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"sku_external_id" text NOT NULL,
	"warehouse_external_id" text NOT NULL,
	"warehouse_name" text NOT NULL,
	"warehouse_type" text NOT NULL,
	"quantity" integer NOT NULL,
	"reserved" integer NOT NULL,
	"in_way_to_client" integer NOT NULL,
	"in_way_from_client" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "warehouses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"marketplace_type" text NOT NULL,
	"external_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "low_stock_threshold" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skus" ADD CONSTRAINT "skus_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skus" ADD CONSTRAINT "skus_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_history" ADD CONSTRAINT "stock_history_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_sku_id_skus_id_fk" FOREIGN KEY ("sku_id") REFERENCES "public"."skus"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_warehouse_id_warehouses_id_fk" FOREIGN KEY ("warehouse_id") REFERENCES "public"."warehouses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_jobs" ADD CONSTRAINT "sync_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_stage_products" ADD CONSTRAINT "sync_stage_products_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_stage_skus" ADD CONSTRAINT "sync_stage_skus_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_stage_stocks" ADD CONSTRAINT "sync_stage_stocks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warehouses" ADD CONSTRAINT "warehouses_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "products_external_key" ON "products" USING btree ("tenant_id","marketplace_type","external_id");--> statement-breakpoint
CREATE INDEX "products_name_idx" ON "products" USING btree ("tenant_id","name","id");--> statement-breakpoint
CREATE INDEX "products_total_stock_idx" ON "products" USING btree ("tenant_id","total_stock","id");--> statement-breakpoint
CREATE INDEX "products_days_of_stock_idx" ON "products" USING btree ("tenant_id","days_of_stock","id");--> statement-breakpoint
CREATE INDEX "products_updated_at_idx" ON "products" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "skus_external_key" ON "skus" USING btree ("tenant_id","marketplace_type","external_id");--> statement-breakpoint
CREATE INDEX "skus_product_idx" ON "skus" USING btree ("tenant_id","product_id");--> statement-breakpoint
CREATE INDEX "stock_history_product_idx" ON "stock_history" USING btree ("tenant_id","product_id","recorded_at");--> statement-breakpoint
CREATE INDEX "stock_levels_product_idx" ON "stock_levels" USING btree ("tenant_id","product_id");--> statement-breakpoint
CREATE INDEX "stock_levels_warehouse_idx" ON "stock_levels" USING btree ("tenant_id","warehouse_id");--> statement-breakpoint
CREATE INDEX "sync_jobs_tenant_idx" ON "sync_jobs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_jobs_one_active_key" ON "sync_jobs" USING btree ("tenant_id") WHERE status in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "sync_stage_stocks_job_idx" ON "sync_stage_stocks" USING btree ("sync_job_id");--> statement-breakpoint
CREATE UNIQUE INDEX "warehouses_external_key" ON "warehouses" USING btree ("tenant_id","marketplace_type","external_id");