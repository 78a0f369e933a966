import { sql } from 'drizzle-orm'
import { bigserial, index, inet, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

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
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  marketplaceType: text('marketplace_type').notNull(),
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
