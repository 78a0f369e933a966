import { cacheable, isFrozenJson, type Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database } from '../../db/database.js'
import { forbidden, invalid, notFound } from '../../errors.js'
import { MarketplaceAuthError, MarketplaceError } from '../../marketplaces/errors.js'
import type { ClientFactory } from '../../marketplaces/from-config.js'
import type { MultiFernet } from '../../security/fernet.js'
import { recordAudit } from '../audit/repository.js'
import { refreshAlerts } from '../alerts/repository.js'
import type { AuthContext } from '../auth/context.js'
import { can } from '../auth/permissions.js'
import type { Static } from '@sinclair/typebox'
import { planLimits, type Plan } from './plans.js'
import type { CredentialMetadata, UpdateTenantBody } from './schemas.js'
import * as repo from './repository.js'

export type MarketplaceType = 'wildberries' | 'ozon'

export interface CredentialsInput {
  marketplace_type: MarketplaceType
  api_key: string
  client_id?: string
}

interface OverviewRow {
  id: string
  name: string
  marketplace_type: MarketplaceType
  created_at: Date
  low_stock_threshold: number
  low_stock_days: number | null
  plan: Plan
  subscription_status: string
  credentials: Array<Static<typeof CredentialMetadata>>
  last_success_at: Date | string | null
  last_error: { code: string; detail: string | null; at: string } | null
  active_job_id: string | null
}

/** The whole `GET /tenants/me` answer in one statement: it is the most frequent authenticated read. */
const OVERVIEW_SQL = `
SELECT t.id, t.name, t.marketplace_type, t.created_at, t.low_stock_threshold, t.low_stock_days, s.plan, s.status AS subscription_status,
       COALESCE((SELECT json_agg(json_build_object(
                   'marketplace_type', c.marketplace_type, 'configured_at', c.configured_at,
                   'api_key_last4', c.api_key_last4, 'status', c.status, 'status_detail', c.status_detail,
                   'verified_at', c.verified_at) ORDER BY c.marketplace_type)
                 FROM marketplace_credentials c WHERE c.tenant_id = t.id), '[]'::json) AS credentials,
       (SELECT max(j.finished_at) FROM sync_jobs j WHERE j.tenant_id = t.id AND j.status = 'succeeded') AS last_success_at,
       (SELECT json_build_object('code', j.error_code, 'detail', j.error_detail, 'at', j.finished_at)
          FROM sync_jobs j WHERE j.tenant_id = t.id AND j.status = 'failed'
         ORDER BY j.finished_at DESC LIMIT 1) AS last_error,
       (SELECT j.id FROM sync_jobs j WHERE j.tenant_id = t.id AND j.status IN ('queued', 'running')) AS active_job_id
  FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id
 WHERE t.id = $1`

/**
 * A tenant's data is stale when its last successful sync is older than twice its plan's interval, or when it
 * has credentials but never synced successfully.
 */
function syncHealth(row: OverviewRow, intervalMinutes: number, now: number) {
  const lastSuccess = row.last_success_at ? new Date(row.last_success_at) : null
  const stale = lastSuccess ? now > staleFrom(lastSuccess, intervalMinutes) : row.credentials.length > 0
  return {
    last_success_at: lastSuccess?.toISOString() ?? null,
    last_error: row.last_error ? { ...row.last_error, at: new Date(row.last_error.at).toISOString() } : null,
    stale,
    active_job_id: row.active_job_id
  }
}

/** When a tenant whose last successful sync was at `lastSuccess` becomes stale. */
function staleFrom(lastSuccess: Date, intervalMinutes: number): number {
  return lastSuccess.getTime() + 2 * intervalMinutes * 60_000
}

/** The `GET /tenants/me` answer from its row, at the time `now`. */
function overviewAnswer(row: OverviewRow, now: number) {
  const limits = planLimits(row.plan)
  return {
    id: row.id,
    name: row.name,
    marketplace_type: row.marketplace_type,
    created_at: new Date(row.created_at).toISOString(),
    subscription: {
      plan: row.plan,
      status: row.subscription_status,
      limits: {
        products: limits.products,
        users: limits.users,
        sync_interval_minutes: limits.syncIntervalMinutes,
        manual_syncs_per_day: limits.manualSyncsPerDay,
        api_requests_per_minute: limits.apiRequestsPerMinute
      }
    },
    low_stock_threshold: row.low_stock_threshold,
    low_stock_days: row.low_stock_days,
    credentials: row.credentials,
    sync: syncHealth(row, limits.syncIntervalMinutes, now)
  }
}

type Overview = ReturnType<typeof overviewAnswer>

/**
 * Until when an answer made at `now` stays what `overviewAnswer` would make: only `sync.stale` moves with the clock,
 * once, from false to true.
 */
function overviewGoodUntil(row: OverviewRow, answer: Overview): number {
  if (answer.sync.stale || !row.last_success_at) return Infinity
  return staleFrom(new Date(row.last_success_at), planLimits(row.plan).syncIntervalMinutes)
}

function lastFour(secret: string): string {
  return secret.slice(-4)
}

export class TenantsService {
  /**
   * Answers made from cached rows, by row. A cached row is shared by every request under its cache version, so its
   * answer is too, as a frozen value whose JSON the response serializer remembers: a cached read is neither rebuilt
   * nor serialized again.
   */
  readonly #answers = new WeakMap<object, { answer: Overview; until: number }>()

  constructor(private readonly deps: { db: Database; cipher: MultiFernet; clients: ClientFactory; cache: Cache; cacheTtlSeconds: number }) {}

  /**
   * Cached as the database row rather than the answer: staleness is worked out from the clock at every read, so a
   * cached row never reports fresh data as stale or the reverse.
   */
  async overview(auth: Pick<AuthContext, 'tenantId' | 'startedAt'>): Promise<Overview> {
    const row = await this.deps.cache.tenant(auth.tenantId, auth.startedAt).wrap('overview', this.deps.cacheTtlSeconds, async () => {
      const [found] = await this.deps.db.tenantRead<OverviewRow>(auth.tenantId, OVERVIEW_SQL, [auth.tenantId])
      if (!found) throw notFound('Tenant')
      return found
    })
    const now = Date.now()
    if (!isFrozenJson(row)) return overviewAnswer(row, now)
    const known = this.#answers.get(row)
    if (known && now <= known.until) return known.answer
    const answer = overviewAnswer(row, now)
    const entry = { answer: cacheable(answer) as Overview, until: overviewGoodUntil(row, answer) }
    this.#answers.set(row, entry)
    return entry.answer
  }

  /**
   * Renames the tenant (owner only) and/or changes its low-stock thresholds. A threshold change re-classifies the
   * products in the same transaction, so `GET /alerts` and the `low_stock` filter follow at once; the alerts it
   * calls for are sent after the next sync.
   */
  async update(auth: AuthContext, body: UpdateTenantBody) {
    if (body.name !== undefined && body.company_name !== undefined) throw invalid('company_name', 'is an alias of name; give one of the two')
    const name = (body.name ?? body.company_name)?.trim()
    if (name !== undefined && !can(auth.role, 'tenant:update')) throw forbidden('Only the owner renames the tenant')
    const changes = {
      ...(name === undefined ? {} : { name }),
      ...(body.low_stock_threshold === undefined ? {} : { lowStockThreshold: body.low_stock_threshold }),
      ...(body.low_stock_days === undefined ? {} : { lowStockDays: body.low_stock_days })
    }
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      await repo.updateTenant(tx, auth.tenantId, changes)
      if (body.low_stock_threshold !== undefined || body.low_stock_days !== undefined) await refreshAlerts(tx, auth.tenantId)
      const { name: newName, low_stock_threshold, low_stock_days } = { ...body, name }
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'tenant.updated', details: { name: newName, low_stock_threshold, low_stock_days } })
    })
    return this.overview(auth)
  }

  /**
   * Checks the key with the marketplace before storing it: a key the marketplace rejects is a 422 and nothing is
   * stored; a marketplace that cannot be reached does not block the seller — the key is stored as `unverified` and
   * the next sync checks it again.
   */
  async setCredentials(auth: AuthContext, input: CredentialsInput) {
    if (input.marketplace_type === 'ozon' && !input.client_id) throw invalid('client_id', 'is required for ozon')
    const { cipher } = this.deps
    const apiKey = input.api_key.trim()
    const clientId = input.client_id?.trim()
    const verification = await this.verify(auth.tenantId, input.marketplace_type, apiKey, clientId)
    return writeTenant(this.deps, auth.tenantId, async (tx) => {
      const saved = await repo.upsertCredentials(tx, {
        tenantId: auth.tenantId,
        marketplaceType: input.marketplace_type,
        apiKeyEncrypted: cipher.encrypt(apiKey),
        clientIdEncrypted: clientId ? cipher.encrypt(clientId) : null,
        apiKeyLast4: lastFour(apiKey),
        ...verification
      })
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'credentials.updated',
        target: { type: 'credentials', id: input.marketplace_type },
        details: { api_key_last4: saved.apiKeyLast4, status: saved.status }
      })
      return saved
    })
  }

  private async verify(tenantId: string, marketplace: MarketplaceType, apiKey: string, clientId: string | undefined) {
    const client = this.deps.clients(marketplace, { apiKey, clientId }, { pacingKey: tenantId })
    try {
      await client.verifyCredentials()
      return { status: 'valid' as const, statusDetail: null, verifiedAt: new Date() }
    } catch (error) {
      if (error instanceof MarketplaceAuthError) throw invalid('api_key', `was rejected by ${marketplace}: ${error.detail}`)
      const detail = error instanceof MarketplaceError ? error.detail : 'the check did not complete'
      return { status: 'unverified' as const, statusDetail: `Not verified yet: ${detail}`, verifiedAt: null }
    }
  }

  async removeCredentials(auth: AuthContext, marketplaceType: MarketplaceType): Promise<void> {
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      if (!(await repo.deleteCredentials(tx, auth.tenantId, marketplaceType))) throw notFound('Credentials')
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'credentials.deleted',
        target: { type: 'credentials', id: marketplaceType }
      })
    })
  }
}
