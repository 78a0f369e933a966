import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { TelegramDelivery, TelegramJob } from '../modules/telegram/delivery.js'
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher.js'
import type { DeliveryJob } from '../modules/webhooks/outbox.js'
import { QUEUES } from './queue.js'

interface WorkerOptions {
  concurrency: number
  pollIntervalSeconds: number
  log: FastifyBaseLogger
}

/**
 * Notification workers: each takes one job at a time, so one slow receiver (up to the request timeout) holds up one
 * worker only. A throw means the database failed, not the receiver; pg-boss then retries the job.
 */
async function startWorkers<T extends { tenantId: string }>(
  boss: PgBoss,
  queue: string,
  handle: (data: T) => Promise<unknown>,
  options: WorkerOptions & { describe: (data: T) => object }
): Promise<void> {
  for (let i = 0; i < options.concurrency; i += 1) {
    await boss.work<T>(queue, { batchSize: 1, pollingIntervalSeconds: options.pollIntervalSeconds }, async ([job]) => {
      if (!job) return
      try {
        await handle(job.data)
      } catch (err) {
        options.log.error({ err, jobId: job.id, queue, ...options.describe(job.data) }, 'notification job failed')
        throw err
      }
    })
  }
}

export async function startWebhookWorkers(boss: PgBoss, dispatcher: WebhookDispatcher, options: WorkerOptions): Promise<void> {
  await startWorkers<DeliveryJob>(boss, QUEUES.webhookDelivery, (data) => dispatcher.deliver(data), {
    ...options,
    describe: ({ tenantId, messageId }) => ({ tenantId, messageId })
  })
}

export async function startTelegramWorkers(boss: PgBoss, delivery: TelegramDelivery, options: WorkerOptions): Promise<void> {
  await startWorkers<TelegramJob>(boss, QUEUES.telegram, (data) => delivery.deliver(data), {
    ...options,
    describe: ({ tenantId, attempt }) => ({ tenantId, attempt })
  })
}
