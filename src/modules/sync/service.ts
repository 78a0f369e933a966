import type PgBoss from 'pg-boss'
import type { Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { DomainError, conflict, notFound } from '../../errors.js'
import { QUEUES, sendInTransaction } from '../../jobs/queue.js'
import type { AuthContext } from '../auth/context.js'
import { findTenant } from '../tenants/repository.js'
import { planLimits } from '../tenants/plans.js'
import * as repo from './repository.js'

const DAY_MS = 24 * 60 * 60 * 1000

export interface SyncRequestResult {
  job: repo.SyncJobRow
  /** False when an already queued or running sync was returned instead of a new one. */
  created: boolean
}

export class SyncService {
  constructor(
    private readonly deps: {
      db: Database
      boss: () => Promise<PgBoss>
      cache: Cache
      /** Called once a new sync's transaction has committed, to start it without waiting for a worker's poll. */
      queued?: () => void
    }
  ) {}

  /**
   * Queues a sync of every marketplace with stored credentials. A sync already queued or running is returned as
   * is, so a burst of requests yields one sync. The job row and the queue message commit together.
   */
  async request(auth: AuthContext): Promise<SyncRequestResult> {
    // Awaited before the transaction: on PGlite a transaction holds the only connection the queue could start on.
    const boss = await this.deps.boss()
    const result = await writeTenant(this.deps, auth.tenantId, async (tx, raw): Promise<SyncRequestResult> => {
      const active = await repo.findActiveJob(tx, auth.tenantId)
      if (active) return { job: active, created: false }
      const credentials = await repo.listSyncableCredentials(tx, auth.tenantId)
      if (credentials.length === 0) {
        throw conflict('No usable marketplace credentials are stored; add them with PATCH /api/v1/tenants/me/credentials', 'no-credentials')
      }
      const tenant = await findTenant(tx, auth.tenantId)
      const limit = planLimits(tenant?.plan ?? 'free').manualSyncsPerDay
      if (limit !== null && (await repo.countManualSyncsSince(tx, auth.tenantId, new Date(Date.now() - DAY_MS))) >= limit) {
        throw new DomainError('quota_exceeded', `Your plan allows ${limit} manual syncs a day; scheduled syncs continue`, {
          type: 'quota-exceeded/manual-syncs',
          extra: { limit }
        })
      }
      return this.enqueue(boss, tx, raw, {
        tenantId: auth.tenantId,
        marketplaces: credentials.map((c) => c.marketplaceType),
        trigger: 'manual',
        requestedBy: auth.userId
      })
    })
    return this.announced(result)
  }

  /** Queues a scheduled sync in a transaction of its own. */
  async schedule(boss: PgBoss, tenantId: string, marketplaces: string[]): Promise<SyncRequestResult> {
    return this.announced(
      await writeTenant(this.deps, tenantId, (tx, raw) => this.enqueue(boss, tx, raw, { tenantId, marketplaces, trigger: 'scheduled', requestedBy: null }))
    )
  }

  /** `result`, after telling the workers of the sync it queued, if it queued one. */
  private announced(result: SyncRequestResult): SyncRequestResult {
    if (result.created) this.deps.queued?.()
    return result
  }

  /**
   * Inserts the job row and its queue message in the caller's transaction; concurrent callers get the winner's job.
   * The caller's transaction must run through `writeTenant`: the tenant's overview shows the active job.
   */
  async enqueue(boss: PgBoss, tx: Db, raw: SqlExecutor, job: Parameters<typeof repo.insertQueuedJob>[1]): Promise<SyncRequestResult> {
    const inserted = await repo.insertQueuedJob(tx, job)
    if (!inserted) {
      const active = await repo.findActiveJob(tx, job.tenantId)
      if (!active) throw new Error('a concurrent sync finished between insert and lookup')
      return { job: active, created: false }
    }
    await sendInTransaction(boss, raw, QUEUES.sync, { syncJobId: inserted.id, tenantId: job.tenantId })
    return { job: inserted, created: true }
  }

  async get(auth: AuthContext, id: string): Promise<repo.SyncJobRow> {
    const job = await this.deps.db.tenant(auth.tenantId, (tx) => repo.findJob(tx, auth.tenantId, id))
    if (!job) throw notFound('Sync job')
    return job
  }

  async list(auth: AuthContext, limit: number, before?: { createdAt: Date; id: string }): Promise<repo.SyncJobRow[]> {
    return this.deps.db.tenant(auth.tenantId, (tx) => repo.listJobs(tx, auth.tenantId, limit, before))
  }
}
