import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { bigserial, boolean, doublePrecision, foreignKey, index, inet, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

/**
 * Every tenant-scoped table carries `tenant_id` first in its keys, so that row-level security policies
 * (see the `rls` migrations) and a later distribution by tenant need no redesign.
 */
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
const tenantRef = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' })

export const tenants = pgTable('tenants', {
  /**
   * Time-ordered (UUIDv7), given by the service: every index that leads with `tenant_id` then gets the newest tenant's
   * rows at its right edge, where a first sync's 500,000 ascending keys append rather than split pages mid-index.
   * The column's own default (random) stays for rows written in SQL.
   */
  id: uuid('id').primaryKey().defaultRandom().$defaultFn(uuidv7),
  name: text('name').notNull(),
  marketplaceType: text('marketplace_type').notNull(),
  /** Default low-stock threshold for products without their own. */
  lowStockThreshold: integer('low_stock_threshold').notNull().default(10),
  /** Optional second trigger: a product is also low when its days of stock fall below this. */
  lowStockDays: integer('low_stock_days'),
  createdAt: createdAt(),
  updatedAt: updatedAt()
})

export const subscriptions = pgTable('subscriptions', {
  tenantId: tenantRef().primaryKey(),
  plan: text('plan').notNull(),
  status: text('status').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: updatedAt()
})

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true })
  },
  (t) => [uniqueIndex('users_email_key').on(t.email), index('users_tenant_idx').on(t.tenantId, t.createdAt)]
)

/** A login session: the family of refresh tokens that descend from one login. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent'),
    ip: inet('ip'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokeReason: text('revoke_reason')
  },
  (t) => [index('sessions_user_idx').on(t.tenantId, t.userId)]
)

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Set when this token was exchanged for its child; presenting it again afterwards is reuse. */
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    /** The child token, encrypted, kept only while the reuse grace window may still hand it out again. */
    childTokenEncrypted: text('child_token_encrypted')
  },
  (t) => [uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash), index('refresh_tokens_session_idx').on(t.tenantId, t.sessionId)]
)

export const marketplaceCredentials = pgTable(
  'marketplace_credentials',
  {
    tenantId: tenantRef(),
    marketplaceType: text('marketplace_type').notNull(),
    apiKeyEncrypted: text('api_key_encrypted').notNull(),
    clientIdEncrypted: text('client_id_encrypted'),
    apiKeyLast4: text('api_key_last4').notNull(),
    status: text('status').notNull(),
    statusDetail: text('status_detail'),
    configuredAt: timestamp('configured_at', { withTimezone: true }).notNull().defaultNow(),
    verifiedAt: timestamp('verified_at', { withTimezone: true })
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.marketplaceType] })]
)

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null for events with no tenant yet, e.g. a failed login for an unknown email. */
    tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: inet('ip'),
    requestId: text('request_id'),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: createdAt()
  },
  (t) => [index('audit_events_tenant_idx').on(t.tenantId, t.id)]
)

const ts = (name: string) => timestamp(name, { withTimezone: true })

/**
 * The tables a sync writes row by row in the hundreds of thousands (products, SKUs, levels, history, staging) have
 * no foreign keys: a key is a check per written row, and those checks were a third of a first 100,000-product merge
 * and half of staging. Every id they hold comes from a join with its parent in the same statement, and parents are
 * never deleted but with their tenant. What a cascade did is done by statement-level triggers instead (migration
 * 0013): deleting a tenant, a product, a SKU or a warehouse deletes the rows that name it, in one statement per delete.
 */
export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    marketplaceType: text('marketplace_type').notNull(),
    externalId: text('external_id').notNull(),
    vendorCode: text('vendor_code'),
    name: text('name').notNull(),
    brand: text('brand'),
    category: text('category'),
    barcodes: text('barcodes').array().notNull().default(sql`'{}'::text[]`),
    /** Lower-cased name, vendor code and barcodes, which `q` searches. */
    searchText: text('search_text').notNull().default(''),
    lowStockThreshold: integer('low_stock_threshold'),
    archived: boolean('archived').notNull().default(false),
    archivedAt: ts('archived_at'),
    /** Derived after each sync from stock levels and history, so list pages can sort and filter on them. */
    totalStock: integer('total_stock').notNull().default(0),
    salesPerDay: doublePrecision('sales_per_day'),
    daysOfStock: doublePrecision('days_of_stock'),
    createdAt: createdAt(),
    updatedAt: updatedAt()
  },
  (t) => [
    uniqueIndex('products_external_key').on(t.tenantId, t.marketplaceType, t.externalId),
    index('products_name_idx').on(t.tenantId, t.name, t.id),
    index('products_total_stock_idx').on(t.tenantId, t.totalStock, t.id),
    index('products_days_of_stock_idx').on(t.tenantId, t.daysOfStock, t.id),
    index('products_updated_at_idx').on(t.tenantId, t.updatedAt, t.id)
  ]
)

export const skus = pgTable(
  'skus',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull(),
    productId: uuid('product_id').notNull(),
    marketplaceType: text('marketplace_type').notNull(),
    externalId: text('external_id').notNull(),
    size: text('size'),
    barcodes: text('barcodes').array().notNull().default(sql`'{}'::text[]`)
  },
  (t) => [uniqueIndex('skus_external_key').on(t.tenantId, t.marketplaceType, t.externalId), index('skus_product_idx').on(t.tenantId, t.productId)]
)

export const warehouses = pgTable(
  'warehouses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    marketplaceType: text('marketplace_type').notNull(),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    /** `fbo`: the marketplace's own warehouse; `fbs`: the seller's. */
    type: text('type').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt()
  },
  (t) => [uniqueIndex('warehouses_external_key').on(t.tenantId, t.marketplaceType, t.externalId)]
)

/** No foreign keys: see `products`. `tenant_id` and `product_id` are the SKU's, copied for RLS and for reads by product. */
export const stockLevels = pgTable(
  'stock_levels',
  {
    tenantId: uuid('tenant_id').notNull(),
    skuId: uuid('sku_id').notNull(),
    warehouseId: uuid('warehouse_id').notNull(),
    productId: uuid('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    reserved: integer('reserved').notNull().default(0),
    inWayToClient: integer('in_way_to_client').notNull().default(0),
    inWayFromClient: integer('in_way_from_client').notNull().default(0),
    /**
     * The time of the series' first observation, as `updated_at` is of its latest (the level's own figures):
     * together they tell the forecast which series cannot have a rate without reading their history (see
     * refreshForecasts).
     */
    createdAt: createdAt(),
    updatedAt: updatedAt()
  },
  (t) => [
    // The product leads the key, so that one index serves the reads by product (detail, history, the list's
    // warehouse filter) and the series' identity: a SKU belongs to one product, so (sku, warehouse) is unique with it,
    // and the merge, which looks levels up by SKU and warehouse, joins them by hash. A separate index by product was
    // 5 of the 19 index entries a first sync wrote per product. No index by warehouse: nothing reads one warehouse's levels
    // alone (the warehouse summary groups all the tenant's).
    primaryKey({ columns: [t.tenantId, t.productId, t.skuId, t.warehouseId] })
  ]
)

/**
 * A level's past: the observations its series went through before the current one, which is the level itself (its
 * figures at its `updated_at`). A sync that changes a level moves the superseded figures here, stamped with the time
 * of the sync that saw them; an unchanged level adds nothing, and a new one nothing either, so a first sync writes no
 * history at all. A series' observations are its history rows and then its level. No foreign keys: see `products`.
 * Its one index is the series' (a level's) own: a product's history is read through the product's levels, a range of
 * this key each, so a row carries no product and a sync writes one index entry per row, not two.
 */
export const stockHistory = pgTable(
  'stock_history',
  {
    tenantId: uuid('tenant_id').notNull(),
    skuId: uuid('sku_id').notNull(),
    warehouseId: uuid('warehouse_id').notNull(),
    quantity: integer('quantity').notNull(),
    reserved: integer('reserved').notNull(),
    inWayToClient: integer('in_way_to_client').notNull(),
    inWayFromClient: integer('in_way_from_client').notNull(),
    recordedAt: ts('recorded_at').notNull()
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.skuId, t.warehouseId, t.recordedAt] })]
)

export const syncJobs = pgTable(
  'sync_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantRef(),
    /** Every marketplace with stored credentials is synced by one job, one after another. */
    marketplaces: text('marketplaces').array().notNull(),
    trigger: text('trigger').notNull(),
    status: text('status').notNull(),
    requestedBy: uuid('requested_by'),
    attempts: integer('attempts').notNull().default(0),
    pages: integer('pages').notNull().default(0),
    productsSeen: integer('products_seen').notNull().default(0),
    stockRows: integer('stock_rows').notNull().default(0),
    truncated: boolean('truncated').notNull().default(false),
    errorCode: text('error_code'),
    errorDetail: text('error_detail'),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at')
  },
  (t) => [
    index('sync_jobs_tenant_idx').on(t.tenantId, t.createdAt),
    // Sync health on GET /tenants/me: the newest succeeded and failed job without scanning a tenant's history.
    index('sync_jobs_status_idx').on(t.tenantId, t.status, t.finishedAt),
    // At most one queued or running sync per tenant: a burst of requests collapses into one job.
    uniqueIndex('sync_jobs_one_active_key')
      .on(t.tenantId)
      .where(sql`status in ('queued', 'running')`)
  ]
)

// A sync stages what it reads in temporary tables of its own connection: see src/modules/sync/staging.ts.

/**
 * A tenant's webhook receiver. Secrets are Fernet-encrypted; after a rotation the previous secret keeps signing
 * (next to the new one) until `previous_secret_expires_at`, so receivers can switch without losing messages.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    tenantId: tenantRef(),
    id: uuid('id').notNull().defaultRandom(),
    url: text('url').notNull(),
    description: text('description'),
    events: text('events').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    secretEncrypted: text('secret_encrypted').notNull(),
    previousSecretEncrypted: text('previous_secret_encrypted'),
    previousSecretExpiresAt: ts('previous_secret_expires_at'),
    /** Why the system disabled the endpoint (410 Gone, failing for too long); null when enabled or disabled by hand. */
    disabledReason: text('disabled_reason'),
    /** Start of the current run of failed attempts; cleared by any successful one. */
    failingSince: ts('failing_since'),
    createdAt: createdAt(),
    updatedAt: updatedAt()
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })]
)

/**
 * The outbox: one row per event per endpoint, written in the transaction of the change that caused the event.
 * `webhook_id` is the Standard Webhooks `webhook-id`, identical on every attempt so receivers can deduplicate;
 * `body` is the exact JSON that is signed and sent.
 */
export const webhookMessages = pgTable(
  'webhook_messages',
  {
    tenantId: tenantRef(),
    id: uuid('id').notNull().defaultRandom(),
    endpointId: uuid('endpoint_id').notNull(),
    webhookId: text('webhook_id').notNull(),
    eventType: text('event_type').notNull(),
    body: text('body').notNull(),
    /** pending → delivering → succeeded | failed | cancelled; a failed attempt with retries left goes back to pending. */
    status: text('status').notNull().default('pending'),
    /** Attempts in the current round; a redelivery starts a new round. */
    attempts: integer('attempts').notNull().default(0),
    /** When pending: when the next attempt is due. When delivering: when the claim lapses (the worker died). */
    nextAttemptAt: ts('next_attempt_at'),
    /** The last attempt's outcome, copied here so the delivery log reads one row per message. */
    lastAttemptAt: ts('last_attempt_at'),
    lastResponseStatus: integer('last_response_status'),
    lastDurationMs: integer('last_duration_ms'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt()
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.endpointId], foreignColumns: [webhookEndpoints.tenantId, webhookEndpoints.id] }).onDelete('cascade'),
    index('webhook_messages_endpoint_idx').on(t.tenantId, t.endpointId, t.createdAt, t.id),
    // Retention finds old messages across tenants; created_at never changes, so updates stay HOT.
    index('webhook_messages_created_idx').on(t.createdAt)
  ]
)

/** One row per delivery attempt: what the receiver answered (body truncated) or why the attempt failed. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    tenantId: tenantRef(),
    id: bigserial('id', { mode: 'number' }).notNull(),
    messageId: uuid('message_id').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms').notNull(),
    responseBody: text('response_body').notNull().default(''),
    error: text('error'),
    attemptedAt: ts('attempted_at').notNull().defaultNow()
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.messageId], foreignColumns: [webhookMessages.tenantId, webhookMessages.id] }).onDelete('cascade'),
    index('webhook_attempts_message_idx').on(t.tenantId, t.messageId, t.id)
  ]
)

/**
 * Each product's stock alert state after the last sync. `state` is the current classification; `notified` is the
 * strongest alert sent since the product was last above its threshold, so an alert is not repeated until a restock.
 */
export const productAlerts = pgTable(
  'product_alerts',
  {
    tenantId: tenantRef(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    state: text('state').notNull(),
    notified: text('notified').notNull(),
    totalStock: integer('total_stock').notNull(),
    threshold: integer('threshold').notNull(),
    changedAt: ts('changed_at').notNull().defaultNow(),
    /** The sync whose alert last set `notified`: that sync's events and Telegram message are read by it. */
    notifiedSyncJobId: uuid('notified_sync_job_id')
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.productId] }),
    index('product_alerts_active_idx')
      .on(t.tenantId, t.totalStock, t.productId)
      .where(sql`state <> 'none'`)
  ]
)

/** A tenant's Telegram channel for stock alerts: its own bot (token encrypted) and chat, with optional quiet hours. */
export const telegramSettings = pgTable('telegram_settings', {
  tenantId: tenantRef().primaryKey(),
  botTokenEncrypted: text('bot_token_encrypted').notNull(),
  botTokenLast4: text('bot_token_last4').notNull(),
  botUsername: text('bot_username').notNull(),
  chatId: text('chat_id').notNull(),
  quietStart: text('quiet_start'),
  quietEnd: text('quiet_end'),
  quietTimeZone: text('quiet_time_zone'),
  enabled: boolean('enabled').notNull().default(true),
  /** The last error that stopped a message (bad token, chat not found…); cleared by the next message sent. */
  lastError: text('last_error'),
  lastErrorAt: ts('last_error_at'),
  lastSentAt: ts('last_sent_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt()
})
