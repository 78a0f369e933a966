import type PgBoss from 'pg-boss'
import type { SqlExecutor } from '../../db/database.js'
import { QUEUES, insertInTransaction } from '../../jobs/queue.js'
import type { WebhookEvent } from './events.js'
import * as repo from './repository.js'

// Where events enter the webhook pipeline. Every function writes in the caller's transaction: the messages and
// their delivery jobs commit (or roll back) with the change that caused the event. The queue must have started
// before that transaction opened (on PGlite it starts on the connection the transaction holds).

/** What a delivery job carries: the message row holds everything else. */
export interface DeliveryJob {
  tenantId: string
  messageId: string
}

/** One event, to every enabled endpoint of the tenant that subscribes to it. */
export async function publishEvent(boss: PgBoss, raw: SqlExecutor, tenantId: string, type: WebhookEvent, data: object): Promise<number> {
  return publishEvents(boss, raw, tenantId, 'SELECT $2::text AS type, $3::json AS data', [type, JSON.stringify(data)])
}

/**
 * Many events computed by one SELECT of `(type, data)` rows, whose parameters start at $2, so that large batches
 * (a sync's stock alerts) never travel through the application.
 */
export async function publishEvents(boss: PgBoss, raw: SqlExecutor, tenantId: string, events: string, params: unknown[]): Promise<number> {
  const ids = await repo.insertMessagesForEvents(raw, tenantId, events, params)
  await enqueueDeliveries(boss, raw, tenantId, ids)
  return ids.length
}

/** One message to one endpoint whatever its subscriptions: the test ping. */
export async function publishToEndpoint(boss: PgBoss, raw: SqlExecutor, tenantId: string, endpointId: string, type: string, data: object): Promise<string> {
  const id = await repo.insertMessageForEndpoint(raw, tenantId, endpointId, type, data)
  await enqueueDeliveries(boss, raw, tenantId, [id])
  return id
}

/**
 * Queues a delivery job per message, due after `delaySeconds`. The job's start and the message's `next_attempt_at`
 * are both the transaction's `now()` plus the same interval, so the job never finds its message not yet due.
 */
export async function enqueueDeliveries(boss: PgBoss, raw: SqlExecutor, tenantId: string, messageIds: string[], delaySeconds = 0): Promise<void> {
  const job = (messageId: string): PgBoss.JobInsert<DeliveryJob> => ({
    name: QUEUES.webhookDelivery,
    data: { tenantId, messageId },
    ...(delaySeconds > 0 ? { startAfter: String(delaySeconds) } : {})
  })
  await insertInTransaction(boss, raw, messageIds.map(job))
}
