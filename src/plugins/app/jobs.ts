import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type PgBoss from 'pg-boss'
import type { Config } from '../../config/env.js'
import { QUEUES, createBoss, createQueues } from '../../jobs/queue.js'
import { scheduleDueSyncs } from '../../jobs/sync-scheduler.js'
import { startTelegramWorkers, startWebhookWorkers, type DeliveryWorkers } from '../../jobs/delivery-workers.js'
import { pruneWebhookHistory } from '../../jobs/webhook-retention.js'
import type { SyncAttempt } from '../../modules/sync/runner.js'
import type { CheckState } from './readiness.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves to the started queue. Start-up does not wait for it, so the API can answer meanwhile. */
    boss: () => Promise<PgBoss>
  }
}

/** Telegram jobs at once per worker process: one message per sync and tenant, so few are ever due together. */
const TELEGRAM_WORKERS = 2

interface SyncJobData {
  syncJobId: string
  tenantId: string
}

/**
 * The job queue (pg-boss) and, unless this process serves the API only, its workers. The queue starts beside the
 * HTTP server rather than before it (it takes a few hundred milliseconds); whatever enqueues awaits it. Workers
 * drain on close: running syncs finish (up to the shutdown timeout) before the database closes.
 */
async function jobs(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const settings = { url: config.db.url, ...config.jobs, webhookTimeoutMs: config.webhooks.timeoutMs }
  const boss = createBoss(app.db, settings)
  boss.on('error', (err) => app.log.error({ err }, 'job queue error'))
  const started = boss.start().then(async () => {
    await createQueues(boss, settings)
    return boss
  })
  // The rejection is reported by readiness and by every enqueue; this only keeps it from being unhandled.
  started.catch((err: unknown) => app.log.error({ err }, 'job queue failed to start'))
  app.decorate('boss', () => started)
  let deliveryWorkers: Promise<DeliveryWorkers[]> = Promise.resolve([])
  app.addHook('onReady', async () => {
    app.readiness.register('jobs', () => started.then((): CheckState => 'ok'))
  })
  app.addHook('onClose', async () => {
    await started.catch(() => undefined)
    const workers = await deliveryWorkers.catch((): DeliveryWorkers[] => [])
    await Promise.all(workers.map((w) => w.stop()))
    await boss.stop({ graceful: true, wait: true, timeout: config.shutdownTimeoutMs })
  })

  if (config.role === 'api') return
  app.addHook('onReady', async () => {
    deliveryWorkers = started.then(() => startWorkers(app, boss, config))
    deliveryWorkers.catch((err: unknown) => app.log.error({ err }, 'job workers failed to start'))
  })
}

async function startWorkers(app: FastifyInstance, boss: PgBoss, config: Config): Promise<DeliveryWorkers[]> {
  const runner = app.services.syncRunner
  const workOptions = { batchSize: 1, pollingIntervalSeconds: config.jobs.pollIntervalSeconds, includeMetadata: true as const }
  for (let i = 0; i < config.jobs.workerConcurrency; i += 1) {
    await boss.work<SyncJobData>(QUEUES.sync, workOptions, async ([job]) => {
      if (!job) return
      const attempt: SyncAttempt = { ...job.data, finalAttempt: job.retryCount >= job.retryLimit }
      await runner.run(attempt)
    })
  }
  await boss.work(QUEUES.syncScheduler, { pollingIntervalSeconds: config.jobs.pollIntervalSeconds }, async () => {
    await scheduleDueSyncs(app.db, boss, app.services.sync, app.log)
  })
  await boss.schedule(QUEUES.syncScheduler, '* * * * *')
  await boss.work(QUEUES.webhookRetention, { pollingIntervalSeconds: config.jobs.pollIntervalSeconds }, async () => {
    await pruneWebhookHistory(app.db, config.webhooks.retentionDays, app.log)
  })
  await boss.schedule(QUEUES.webhookRetention, '17 * * * *')
  const { pollIntervalSeconds } = config.jobs
  return [
    startWebhookWorkers(boss, app.services.webhookDispatcher, { concurrency: config.webhooks.workerConcurrency, pollIntervalSeconds, log: app.log }),
    startTelegramWorkers(boss, app.services.telegramDelivery, { concurrency: TELEGRAM_WORKERS, pollIntervalSeconds, log: app.log })
  ]
}

export default fp(jobs, { name: 'jobs', dependencies: ['database', 'readiness'] })
