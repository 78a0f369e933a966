import type { FastifyBaseLogger } from 'fastify'
import type { Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { MarketplaceAuthError, MarketplaceError } from '../../marketplaces/errors.js'
import type { ClientFactory } from '../../marketplaces/from-config.js'
import type { MarketplaceClient, MarketplaceType } from '../../marketplaces/types.js'
import type { MultiFernet } from '../../security/fernet.js'
import { recordAudit } from '../audit/repository.js'
import { refreshForecasts } from '../forecast/repository.js'
import { findTenant } from '../tenants/repository.js'
import { planLimits } from '../tenants/plans.js'
import { prefetched, readBatches, type BatchScope, type Progress } from './batches.js'
import { mergeStaged } from './merge.js'
import * as repo from './repository.js'
import { Staging } from './staging.js'

export interface SyncAttempt {
  syncJobId: string
  tenantId: string
  /** No retry follows this attempt: a failure is final. */
  finalAttempt: boolean
}

export type AttemptOutcome = 'succeeded' | 'failed' | 'skipped'

/**
 * What one attempt did, for metrics. `retrying`: it failed and the queue runs it again; `error`: it could not even
 * record its failure (e.g. the database was away), and the queue retries it.
 */
export interface AttemptReport {
  outcome: AttemptOutcome | 'retrying' | 'error'
  durationMs: number
  productsSeen: number
  stockRows: number
  phases: SyncPhases
}

/** Thrown to hand the job back to the queue for another attempt (with backoff). */
export class RetryableSyncError extends Error {
  override name = 'RetryableSyncError'
}

/** Where an attempt's time went, in milliseconds; reading and staging overlap, so `read` is not their sum. */
export interface SyncPhases {
  /** Reading every marketplace into staging, wall time (marketplace requests and staging overlap). */
  read: number
  /** Staging transactions, summed (inside `read`). */
  stage: number
  /** The set-based merge statements. */
  merge: number
  /** The forecast refresh. */
  forecast: number
  /** The rest of the merge transaction: staging cleanup, job bookkeeping, events and the commit. */
  finish: number
}

/** Where a marketplace's batches go. */
interface StageScope extends BatchScope {
  tenantId: string
  syncJobId: string
}

export interface SyncScope {
  tenantId: string
  syncJobId: string
}

/** What a sync tells the rest of the system (webhooks), each inside the transaction that records the fact. */
export interface SyncObserver {
  succeeded(tx: Db, raw: SqlExecutor, scope: SyncScope, result: { marketplaces: string[]; products: number; truncated: boolean }): Promise<void>
  /** Only for the final attempt: a failure that will be retried is not reported. */
  failed(tx: Db, raw: SqlExecutor, scope: SyncScope, error: { code: string; detail: string }): Promise<void>
  credentialsInvalid(tx: Db, raw: SqlExecutor, scope: SyncScope, credentials: { marketplace: string; detail: string }): Promise<void>
}


const since = (start: number) => performance.now() - start

/**
 * Runs one attempt of a tenant's sync: reads every marketplace with stored credentials page by page into staging
 * (each page in its own short transaction), then merges everything in one transaction. A failure before the merge
 * leaves products and stock untouched.
 */
export class SyncRunner {
  constructor(
    private readonly deps: {
      db: Database
      cipher: MultiFernet
      clients: ClientFactory
      log: FastifyBaseLogger
      cache: Cache
      /** Told of every attempt once it is over. */
      onAttempt?: (report: AttemptReport) => void
      observer?: SyncObserver
    }
  ) {}

  async run(attempt: SyncAttempt, signal?: AbortSignal): Promise<AttemptOutcome> {
    const startedAt = Date.now()
    const progress: Progress = { pages: 0, productsSeen: 0, stockRows: 0 }
    const phases: SyncPhases = { read: 0, stage: 0, merge: 0, forecast: 0, finish: 0 }
    let outcome: AttemptReport['outcome'] = 'error'
    try {
      outcome = await this.runAttempt(attempt, progress, phases, signal)
      return outcome
    } catch (error) {
      if (error instanceof RetryableSyncError) outcome = 'retrying'
      throw error
    } finally {
      this.deps.onAttempt?.({ outcome, durationMs: Date.now() - startedAt, productsSeen: progress.productsSeen, stockRows: progress.stockRows, phases })
    }
  }

  private async runAttempt(attempt: SyncAttempt, progress: Progress, phases: SyncPhases, signal?: AbortSignal): Promise<AttemptOutcome> {
    // One connection for the whole attempt: its staging tables are temporary tables of that connection.
    return this.deps.db.session(async (db) => {
      const staging = new Staging(db.kind, attempt.syncJobId)
      try {
        return await this.attemptOn(db, staging, attempt, progress, phases, signal)
      } finally {
        // PostgreSQL drops them with the connection; PGlite's one connection outlives the attempt.
        if (db.kind === 'pglite') await db.tenant(attempt.tenantId, (_tx, raw) => staging.drop(raw)).catch(() => undefined)
      }
    })
  }

  private async attemptOn(db: Database, staging: Staging, attempt: SyncAttempt, progress: Progress, phases: SyncPhases, signal?: AbortSignal): Promise<AttemptOutcome> {
    const { tenantId, syncJobId } = attempt
    const started = await db.tenant(tenantId, async (tx, raw) => {
      const job = await repo.startAttempt(tx, tenantId, syncJobId)
      if (!job) return null
      await staging.create(raw)
      const tenant = await findTenant(tx, tenantId)
      const credentials = await repo.listSyncableCredentials(tx, tenantId)
      return { job, plan: tenant?.plan ?? 'free', credentials }
    })
    if (!started) return 'skipped'
    const log = this.deps.log.child({ syncJobId, tenantId, attempt: started.job.attempts })
    const synced: string[] = []
    try {
      const readStart = performance.now()
      if (started.credentials.length === 0) throw new MarketplaceAuthError({ marketplace: 'wildberries', detail: 'no usable marketplace credentials are stored' })
      const batch = { next: 0 }
      for (const stored of started.credentials) {
        const marketplace = stored.marketplaceType as MarketplaceType
        const client = this.deps.clients(
          marketplace,
          {
            apiKey: this.deps.cipher.decrypt(stored.apiKeyEncrypted),
            clientId: stored.clientIdEncrypted ? this.deps.cipher.decrypt(stored.clientIdEncrypted) : undefined
          },
          { pacingKey: tenantId, signal }
        )
        await this.readMarketplace(db, staging, client, { tenantId, syncJobId, marketplace, batch }, progress, phases)
        synced.push(marketplace)
      }
      phases.read = since(readStart)
      const limit = planLimits(started.plan).products
      const mergeStart = performance.now()
      const result = await writeTenant({ db, cache: this.deps.cache }, tenantId, async (tx, raw) => {
        const syncedAt = new Date()
        const merged = await mergeStaged(tx, raw, { tenantId, marketplaces: synced, productLimit: limit, syncedAt, staging })
        phases.merge = since(mergeStart)
        const forecastStart = performance.now()
        if (merged.forecastRefresh) await refreshForecasts(tx, tenantId, merged.forecastRefresh)
        phases.forecast = since(forecastStart)
        for (const marketplace of synced) await repo.setCredentialStatus(tx, tenantId, marketplace, 'valid', null)
        await repo.recordProgress(tx, tenantId, syncJobId, progress)
        await repo.finishJob(tx, tenantId, syncJobId, {
          status: 'succeeded',
          truncated: merged.truncated,
          errorCode: merged.truncated ? 'products_quota_truncated' : null,
          errorDetail: merged.truncated ? `The plan allows ${limit} products; the first ${limit} by external id were stored` : null
        })
        await this.deps.observer?.succeeded(tx, raw, { tenantId, syncJobId }, { marketplaces: synced, products: merged.products, truncated: merged.truncated })
        return merged
      })
      phases.finish = since(mergeStart) - phases.merge - phases.forecast
      log.info({ ...progress, phases, products: result.products, truncated: result.truncated, historyRows: result.historyRows }, 'sync succeeded')
      return 'succeeded'
    } catch (error) {
      return this.fail(attempt, error, progress, log)
    }
  }

  private async readMarketplace(db: Database, staging: Staging, client: MarketplaceClient, scope: StageScope, progress: Progress, phases: SyncPhases): Promise<void> {
    for await (const data of prefetched(readBatches(client, scope, progress))) {
      const stageStart = performance.now()
      await this.stage(db, scope, progress, (raw) => staging.write(raw, data))
      phases.stage += since(stageStart)
    }
  }

  /**
   * Writes one staged batch with the job's progress in a short transaction. Staging is disposable (a retry reads
   * everything again), so its commits need not wait for the WAL flush.
   */
  private async stage(db: Database, scope: StageScope, progress: Progress, write: (raw: SqlExecutor) => Promise<void>): Promise<void> {
    await db.tenant(scope.tenantId, async (tx, raw) => {
      await raw.query('SET LOCAL synchronous_commit TO OFF')
      await write(raw)
      await repo.recordProgress(tx, scope.tenantId, scope.syncJobId, progress)
    })
  }

  private async fail(attempt: SyncAttempt, error: unknown, progress: Progress, log: FastifyBaseLogger): Promise<AttemptOutcome> {
    const { tenantId, syncJobId } = attempt
    const auth = error instanceof MarketplaceAuthError
    const code = auth ? 'credentials_invalid' : error instanceof MarketplaceError ? error.code : 'internal_error'
    const detail = error instanceof MarketplaceError ? error.detail : 'The sync failed unexpectedly; it has been logged'
    const final = auth || attempt.finalAttempt
    log[auth ? 'warn' : 'error']({ err: error, code, final }, 'sync attempt failed')
    await writeTenant(this.deps, tenantId, async (tx, raw) => {
      await repo.recordProgress(tx, tenantId, syncJobId, progress)
      if (auth && error instanceof MarketplaceAuthError) {
        await repo.setCredentialStatus(tx, tenantId, error.marketplace, 'invalid', error.detail)
        await recordAudit(tx, {}, {
          tenantId,
          actorUserId: null,
          action: 'credentials.invalid',
          target: { type: 'credentials', id: error.marketplace },
          details: { detail: error.detail, sync_job_id: syncJobId }
        })
        await this.deps.observer?.credentialsInvalid(tx, raw, { tenantId, syncJobId }, { marketplace: error.marketplace, detail: error.detail })
      }
      await repo.finishJob(tx, tenantId, syncJobId, {
        status: final ? 'failed' : 'queued',
        errorCode: code,
        errorDetail: final ? detail : `Attempt failed (${detail}); it will be retried`
      })
      if (final) await this.deps.observer?.failed(tx, raw, { tenantId, syncJobId }, { code, detail })
    })
    if (!final) throw new RetryableSyncError(detail)
    return 'failed'
  }
}
