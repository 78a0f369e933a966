import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { QUEUES, sendInTransaction } from '../../jobs/queue.js'
import { quietHoursEnd, type QuietHours } from '../../notifications/quiet-hours.js'
import { splitMessage, TelegramError, type TelegramClient } from '../../notifications/telegram/client.js'
import type { MultiFernet } from '../../security/fernet.js'
import { alertedProducts } from '../alerts/repository.js'
import type { AlertChannel } from '../alerts/service.js'
import { alertMessage, LINES_PER_STATE } from './message.js'
import * as repo from './repository.js'

/**
 * What a Telegram job carries: the messages still to send, in order, and how many attempts of the first came before.
 * A job sends one message and queues the rest as the next job, so a long batch never outlives a job's expiry and a
 * retry never repeats a message Telegram took.
 */
export interface TelegramJob {
  tenantId: string
  parts: string[]
  attempt: number
}

/** Seconds before each retry of a message Telegram did not take (unless it said how long to wait); then it is dropped. */
export const TELEGRAM_RETRY_SECONDS = [5, 30, 120, 600, 1800, 3600] as const

export type TelegramOutcome = 'sent' | 'held' | 'retrying' | 'failed' | 'cancelled'

export function quietHoursOf(row: repo.TelegramSettingsRow): QuietHours | null {
  return row.quietStart && row.quietEnd && row.quietTimeZone ? { start: row.quietStart, end: row.quietEnd, timeZone: row.quietTimeZone } : null
}

/**
 * The Telegram channel of stock alerts. A sync's alerts become one job (outbox style: queued in the sync's
 * transaction) holding the whole message, split into Telegram-sized parts. The job checks quiet hours when it runs
 * and, inside them, queues itself again for the moment they end; a part Telegram does not take is retried with the
 * parts after it, after `retry_after` when Telegram gives one, otherwise on `TELEGRAM_RETRY_SECONDS`; a permanent
 * refusal (bad token, chat not found) drops the batch and shows in `last_error`.
 */
export class TelegramDelivery implements AlertChannel {
  constructor(
    private readonly deps: {
      db: Database
      cipher: MultiFernet
      client: TelegramClient
      boss: () => Promise<PgBoss>
      log: FastifyBaseLogger
    }
  ) {}

  async alerted(boss: PgBoss, tx: Db, raw: SqlExecutor, tenantId: string, syncJobId: string): Promise<void> {
    const settings = await repo.findSettings(tx, tenantId)
    if (!settings?.enabled) return
    const products = await alertedProducts(raw, tenantId, syncJobId, LINES_PER_STATE)
    if (products.length === 0) return
    const job: TelegramJob = { tenantId, parts: splitMessage(alertMessage(products)), attempt: 0 }
    await sendInTransaction(boss, raw, QUEUES.telegram, job)
  }

  async deliver(job: TelegramJob): Promise<TelegramOutcome> {
    const { db, cipher, client } = this.deps
    const { tenantId } = job
    const log = this.deps.log.child({ tenantId, attempt: job.attempt })
    const settings = await db.tenant(tenantId, (tx) => repo.findSettings(tx, tenantId))
    if (!settings?.enabled) return 'cancelled'
    const quietEnd = quietHoursEnd(new Date(), quietHoursOf(settings))
    if (quietEnd) {
      await (await this.deps.boss()).send(QUEUES.telegram, job, { startAfter: quietEnd })
      log.debug({ until: quietEnd.toISOString() }, 'telegram alerts held for quiet hours')
      return 'held'
    }
    const [part, ...rest] = job.parts
    if (part === undefined) return 'sent'
    try {
      await client.sendMessage(cipher.decrypt(settings.botTokenEncrypted), settings.chatId, part)
    } catch (error) {
      if (!(error instanceof TelegramError)) throw error
      return this.failed(job, error, log)
    }
    // Awaited outside the transaction: on PGlite the queue could only start on the connection a transaction holds.
    const boss = await this.deps.boss()
    await db.tenant(tenantId, async (tx, raw) => {
      await repo.recordSent(tx, tenantId)
      if (rest.length > 0) await sendInTransaction(boss, raw, QUEUES.telegram, { tenantId, parts: rest, attempt: 0 })
    })
    return 'sent'
  }

  private async failed(job: TelegramJob, error: TelegramError, log: FastifyBaseLogger): Promise<TelegramOutcome> {
    const { tenantId } = job
    const delay = error.permanent ? undefined : (error.retryAfterSeconds ?? TELEGRAM_RETRY_SECONDS[job.attempt])
    const retryable = !error.permanent && job.attempt < TELEGRAM_RETRY_SECONDS.length && delay !== undefined
    // Awaited outside the transaction: on PGlite the queue could only start on the connection a transaction holds.
    const boss = await this.deps.boss()
    await this.deps.db.tenant(tenantId, async (tx, raw) => {
      await repo.recordError(tx, tenantId, error.message)
      if (retryable) await sendInTransaction(boss, raw, QUEUES.telegram, { ...job, attempt: job.attempt + 1 }, { startAfter: delay })
    })
    log.warn({ status: error.status, error: error.message, retryInSeconds: retryable ? delay : null }, 'telegram message not sent')
    return retryable ? 'retrying' : 'failed'
  }
}
