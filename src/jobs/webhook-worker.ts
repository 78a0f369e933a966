import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher.js'
import type { DeliveryJob } from '../modules/webhooks/outbox.js'
import { QUEUES } from './queue.js'

/**
 * Delivery workers: each takes one message at a time, so one slow receiver (up to the request timeout) holds up one
 * worker only. A throw means the database failed, not the receiver; pg-boss then retries the job.
 */
export async function startWebhookWorkers(
  boss: PgBoss,
  dispatcher: WebhookDispatcher,
  options: { concurrency: number; pollIntervalSeconds: number; log: FastifyBaseLogger }
): Promise<void> {
  for (let i = 0; i < options.concurrency; i += 1) {
    await boss.work<DeliveryJob>(QUEUES.webhookDelivery, { batchSize: 1, pollingIntervalSeconds: options.pollIntervalSeconds }, async ([job]) => {
      if (!job) return
      try {
        await dispatcher.deliver(job.data)
      } catch (err) {
        options.log.error({ err, jobId: job.id, tenantId: job.data.tenantId, messageId: job.data.messageId }, 'webhook delivery job failed')
        throw err
      }
    })
  }
}
