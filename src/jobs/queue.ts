import { setTimeout as delay } from 'node:timers/promises'
import type PgBoss from 'pg-boss'
import type { Database, SqlExecutor } from '../db/database.js'

/** Queue names, one per kind of background work. */
export const QUEUES = {
  sync: 'tenant-sync',
  syncScheduler: 'sync-scheduler',
  webhookDelivery: 'webhook-delivery',
  telegram: 'telegram-delivery',
  webhookRetention: 'webhook-retention'
} as const

/**
 * How long a notification job may run before pg-boss hands it to another worker. It makes one HTTP call with a deadline
 * of at most a minute (WEBHOOK_TIMEOUT_MS, TELEGRAM_TIMEOUT_MS), so this is only reached by a worker that died.
 */
export const NOTIFICATION_JOB_EXPIRY_SECONDS = 120

/** How long a claimed webhook message stays claimed beyond its request's deadline, should its worker die. */
const CLAIM_MARGIN_SECONDS = 30

/** How long a delivery's claim on its webhook message lasts: the request's deadline, then a margin. */
export const webhookClaimSeconds = (timeoutMs: number) => Math.ceil(timeoutMs / 1000) + CLAIM_MARGIN_SECONDS

export interface QueueSettings {
  /** PostgreSQL: pg-boss keeps its own pool. Embedded PGlite: it shares the in-process database. */
  url?: string
  pollIntervalSeconds: number
  syncRetryLimit: number
  syncRetryDelaySeconds: number
  syncTimeoutSeconds: number
  /** How often expired jobs (e.g. of a worker that died) are failed over to a retry. */
  maintenanceIntervalSeconds: number
  /** The deadline of one webhook request (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number
}

/**
 * pg-boss on both backends: on PostgreSQL through a connection string, on PGlite through pg-boss's `db` adapter
 * over the same in-process instance (one writer; PGlite serialises transactions, so this is safe).
 */
export async function createBoss(db: Database, settings: QueueSettings): Promise<PgBoss> {
  // Loaded with the queue, which starts after the server listens: pg-boss and its cron parser stay off start-up.
  const { default: PgBoss } = await import('pg-boss')
  const common = { schema: 'pgboss', application_name: 'stock-tracker-jobs', maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds }
  if (settings.url) return new PgBoss({ ...common, connectionString: settings.url, max: 4 })
  return new PgBoss({
    ...common,
    db: {
      // Without parameters pg-boss sends multi-statement DDL, which only the simple protocol (exec) accepts.
      executeSql: async (text, values) =>
        values && values.length > 0 ? db.owner.query(text, values) : { rows: ((await db.owner.exec(text)) as Array<{ rows: unknown[] }>).at(-1)?.rows ?? [] }
    }
  })
}

export async function createQueues(boss: PgBoss, settings: QueueSettings): Promise<void> {
  await ensureQueue(boss, QUEUES.sync, {
    name: QUEUES.sync,
    retryLimit: settings.syncRetryLimit,
    retryDelay: settings.syncRetryDelaySeconds,
    retryBackoff: true,
    // A worker that dies mid-sync leaves its job active; once this expires pg-boss hands it to another worker.
    expireInSeconds: settings.syncTimeoutSeconds
  })
  await ensureQueue(boss, QUEUES.syncScheduler, { name: QUEUES.syncScheduler, retryLimit: 0, expireInSeconds: 300, policy: 'singleton' })
  // Singleton: one pruning run at a time across all workers; the next hour's run picks up what one left.
  await ensureQueue(boss, QUEUES.webhookRetention, { name: QUEUES.webhookRetention, retryLimit: 0, expireInSeconds: 3_600, policy: 'singleton' })
  // Receivers' failures are retried by the delivery code on the webhook schedule; pg-boss's own retries only cover
  // a worker that crashed or lost the database mid-job. They wait at least as long as a claim lasts: a retry that
  // came sooner would find its message still claimed by the failed attempt, skip it, and leave it undelivered.
  const name = QUEUES.webhookDelivery
  const retryDelay = webhookClaimSeconds(settings.webhookTimeoutMs)
  await ensureQueue(boss, name, { name, retryLimit: 5, retryDelay, retryBackoff: true, expireInSeconds: NOTIFICATION_JOB_EXPIRY_SECONDS })
  // Likewise for Telegram: the job itself schedules retries of what Telegram did not take.
  const telegram = QUEUES.telegram
  await ensureQueue(boss, telegram, { name: telegram, retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: NOTIFICATION_JOB_EXPIRY_SECONDS })
}

const DEADLOCK_DETECTED = '40P01'
const QUEUE_CREATION_ATTEMPTS = 5

/**
 * Creates a queue unless it exists. pg-boss creates a queue's row, partition and foreign key in one statement, and
 * processes that start together on a new database do so for the same queue at once: PostgreSQL then aborts all but
 * one as deadlocked. The aborted ones try again and find the queue there.
 */
/** Creates the queue, or gives an existing one the current settings (pg-boss's create leaves those as they were). */
async function ensureQueue(boss: PgBoss, name: string, options: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await boss.createQueue(name, options)
      await boss.updateQueue(name, options)
      return
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= QUEUE_CREATION_ATTEMPTS) throw error
      await delay(Math.random() * 100 * attempt)
    }
  }
}

/**
 * Enqueues inside the caller's transaction, so the job exists exactly when the change that caused it commits.
 * The queue's tables belong to the connecting role, not to the RLS-bound app roles, so the insert runs with the
 * session role for its duration and the transaction's role is restored afterwards.
 */
export async function sendInTransaction(boss: PgBoss, raw: SqlExecutor, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
  return asQueueOwner(raw, (db) => boss.send(name, data, { ...options, db }))
}

/** `sendInTransaction` for many jobs at once: one statement however many there are. */
export async function insertInTransaction(boss: PgBoss, raw: SqlExecutor, jobs: PgBoss.JobInsert[]): Promise<void> {
  if (jobs.length === 0) return
  await asQueueOwner(raw, (db) => boss.insert(jobs, { db }))
}

async function asQueueOwner<T>(raw: SqlExecutor, fn: (db: { executeSql: SqlExecutor['query'] }) => Promise<T>): Promise<T> {
  const [{ role } = { role: 'stock_app' }] = (await raw.query<{ role: string }>('SELECT current_user AS role')).rows
  await raw.query('RESET ROLE')
  try {
    return await fn({ executeSql: (text, values) => raw.query(text, values) })
  } finally {
    await raw.query(`SET LOCAL ROLE ${role === 'stock_system' ? 'stock_system' : 'stock_app'}`)
  }
}
