import { and, desc, eq, inArray, lt, or, sql } from 'drizzle-orm'
import type { Db, SqlExecutor } from '../../db/database.js'
import { marketplaceCredentials, syncJobs } from '../../db/schema.js'

export type SyncStatus = 'queued' | 'running' | 'succeeded' | 'failed'
export type SyncTrigger = 'manual' | 'scheduled'
export type SyncJobRow = typeof syncJobs.$inferSelect

/** Inserts a queued job unless the tenant already has one queued or running; returns null in that case. */
export async function insertQueuedJob(
  tx: Db,
  job: { tenantId: string; marketplaces: string[]; trigger: SyncTrigger; requestedBy: string | null }
): Promise<SyncJobRow | null> {
  const rows = await tx
    .insert(syncJobs)
    .values({ ...job, status: 'queued' })
    .onConflictDoNothing({ target: syncJobs.tenantId, where: sql`status in ('queued', 'running')` })
    .returning()
  return rows[0] ?? null
}

export async function findActiveJob(tx: Db, tenantId: string): Promise<SyncJobRow | null> {
  const [row] = await tx
    .select()
    .from(syncJobs)
    .where(and(eq(syncJobs.tenantId, tenantId), inArray(syncJobs.status, ['queued', 'running'])))
  return row ?? null
}

export async function findJob(tx: Db, tenantId: string, id: string): Promise<SyncJobRow | null> {
  const [row] = await tx.select().from(syncJobs).where(and(eq(syncJobs.tenantId, tenantId), eq(syncJobs.id, id)))
  return row ?? null
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listJobs(tx: Db, tenantId: string, limit: number, before?: { createdAt: Date; id: string }): Promise<SyncJobRow[]> {
  return tx
    .select()
    .from(syncJobs)
    .where(
      and(
        eq(syncJobs.tenantId, tenantId),
        before ? or(lt(syncJobs.createdAt, before.createdAt), and(eq(syncJobs.createdAt, before.createdAt), lt(syncJobs.id, before.id))) : undefined
      )
    )
    .orderBy(desc(syncJobs.createdAt), desc(syncJobs.id))
    .limit(limit)
}

export async function countManualSyncsSince(tx: Db, tenantId: string, since: Date): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(syncJobs)
    .where(and(eq(syncJobs.tenantId, tenantId), eq(syncJobs.trigger, 'manual'), sql`${syncJobs.createdAt} >= ${since.toISOString()}`))
  return row?.n ?? 0
}

/** Marks an attempt as started; returns null when the job already finished (a duplicate delivery of the job). */
export async function startAttempt(tx: Db, tenantId: string, id: string): Promise<SyncJobRow | null> {
  const [row] = await tx
    .update(syncJobs)
    .set({
      status: 'running',
      attempts: sql`${syncJobs.attempts} + 1`,
      startedAt: sql`coalesce(${syncJobs.startedAt}, now())`,
      pages: 0,
      productsSeen: 0,
      stockRows: 0,
      errorCode: null,
      errorDetail: null
    })
    .where(and(eq(syncJobs.tenantId, tenantId), eq(syncJobs.id, id), inArray(syncJobs.status, ['queued', 'running'])))
    .returning()
  return row ?? null
}

export async function recordProgress(tx: Db, tenantId: string, id: string, progress: { pages: number; productsSeen: number; stockRows: number }): Promise<void> {
  await tx.update(syncJobs).set(progress).where(and(eq(syncJobs.tenantId, tenantId), eq(syncJobs.id, id)))
}

export async function finishJob(
  tx: Db,
  tenantId: string,
  id: string,
  outcome: { status: 'succeeded' | 'failed' | 'queued'; truncated?: boolean; errorCode?: string | null; errorDetail?: string | null }
): Promise<void> {
  await tx
    .update(syncJobs)
    .set({
      status: outcome.status,
      truncated: outcome.truncated ?? false,
      errorCode: outcome.errorCode ?? null,
      errorDetail: outcome.errorDetail ?? null,
      finishedAt: outcome.status === 'queued' ? null : sql`now()`
    })
    .where(and(eq(syncJobs.tenantId, tenantId), eq(syncJobs.id, id)))
}

export interface StoredCredential {
  marketplaceType: string
  apiKeyEncrypted: string
  clientIdEncrypted: string | null
  status: string
}

export async function listSyncableCredentials(tx: Db, tenantId: string): Promise<StoredCredential[]> {
  return tx
    .select({
      marketplaceType: marketplaceCredentials.marketplaceType,
      apiKeyEncrypted: marketplaceCredentials.apiKeyEncrypted,
      clientIdEncrypted: marketplaceCredentials.clientIdEncrypted,
      status: marketplaceCredentials.status
    })
    .from(marketplaceCredentials)
    .where(and(eq(marketplaceCredentials.tenantId, tenantId), sql`${marketplaceCredentials.status} <> 'invalid'`))
    .orderBy(marketplaceCredentials.marketplaceType)
}

export async function setCredentialStatus(tx: Db, tenantId: string, marketplace: string, status: 'valid' | 'invalid' | 'unverified', detail: string | null): Promise<void> {
  await tx
    .update(marketplaceCredentials)
    .set({ status, statusDetail: detail, ...(status === 'valid' ? { verifiedAt: sql`now()` } : {}) })
    .where(and(eq(marketplaceCredentials.tenantId, tenantId), eq(marketplaceCredentials.marketplaceType, marketplace)))
}

/**
 * Tenants whose scheduled sync is due: credentials that are not known to be invalid, no sync queued or running,
 * and no sync created within the plan's interval. Runs as `stock_system` (it looks across tenants).
 */
export async function findTenantsDueForSync(raw: SqlExecutor, intervals: Record<string, number>, limit: number): Promise<Array<{ tenant_id: string; marketplaces: string[] }>> {
  const plans = Object.keys(intervals)
  const minutes = plans.map((p) => intervals[p]!)
  const { rows } = await raw.query<{ tenant_id: string; marketplaces: string[] }>(
    `WITH plan_interval AS (SELECT * FROM unnest($1::text[], $2::int[]) AS p(plan, minutes))
     SELECT s.tenant_id, array_agg(c.marketplace_type ORDER BY c.marketplace_type) AS marketplaces
       FROM subscriptions s
       JOIN plan_interval pi ON pi.plan = s.plan
       JOIN marketplace_credentials c ON c.tenant_id = s.tenant_id AND c.status <> 'invalid'
      WHERE NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.tenant_id = s.tenant_id
                          AND (j.status IN ('queued', 'running') OR j.created_at > now() - make_interval(mins => pi.minutes)))
      GROUP BY s.tenant_id
      LIMIT $3`,
    [plans, minutes, limit]
  )
  return rows
}
