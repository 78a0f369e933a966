import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../db/database.js'
import { deleteFinishedMessages } from '../modules/webhooks/repository.js'

/** Rows per transaction: each batch holds its row locks briefly and its WAL stays small. */
const BATCH = 1_000

/**
 * Deletes finished webhook deliveries older than `retentionDays`, with their attempts, in bounded batches until
 * none is left. Runs hourly from pg-boss's cron, on one worker at a time (singleton queue).
 */
export async function pruneWebhookHistory(db: Database, retentionDays: number, log: FastifyBaseLogger, batch = BATCH): Promise<number> {
  let deleted = 0
  for (;;) {
    const n = await db.system((_tx, raw) => deleteFinishedMessages(raw, retentionDays, batch))
    deleted += n
    if (n < batch) break
  }
  if (deleted > 0) log.info({ deleted, retentionDays }, 'old webhook deliveries deleted')
  return deleted
}
