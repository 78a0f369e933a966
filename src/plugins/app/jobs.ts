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
    /** Resolves to the started queue, starting it if it has not started yet. Start-up does not wait for it. */
    boss: () => Promise<PgBoss>
    /**
     * Tells this process's sync workers that a sync has just been queued (call it once the enqueuing transaction has
     * committed), so that one of them fetches it now instead of at its next poll. Without workers in this process it
     * does nothing: the job waits for another process's poll.
     */
    syncQueued: () => void
  }
}

/** Telegram jobs at once per worker process: one message per sync and tenant, so few are ever due together. */
const TELEGRAM_WORKERS = 2

interface SyncJobData {
  syncJobId: string
  tenantId: string
}

/**
 * The job queue (pg-boss) and, unless this process serves the API only, its workers. Both start once the app is
 * ready and the server has had its turn to listen: on PGlite their queries wait in line with the API's on its one
 * connection, and the API does not need them to serve. Until both are up, readiness says `jobs: starting` (503).
 * Whatever enqueues before then starts the queue itself if need be and waits for it, outside its transaction, so
 * nothing is lost. Workers drain on close: running syncs finish (up to the shutdown timeout) before the database
 * closes.
 */
async function jobs(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const settings = { url: config.db.url, ...config.jobs, webhookTimeoutMs: config.webhooks.timeoutMs }
  let started: Promise<PgBoss> | undefined
  // Kept apart from `started`: a queue that failed half-way through starting is still stopped on close.
  let created: PgBoss | undefined
  const start = () => {
    started ??= createBoss(app.db, settings).then(async (boss) => {
      created = boss
      boss.on('error', (err) => app.log.error({ err }, 'job queue error'))
      await boss.start()
      await createQueues(boss, settings)
      return boss
    })
    return started
  }
  app.decorate('boss', start)
  const syncWorkers: string[] = []
  app.decorate('syncQueued', () => {
    for (const id of syncWorkers) created?.notifyWorker(id)
  })
  let state: CheckState = 'starting'
  let deliveryWorkers: Promise<DeliveryWorkers[]> = Promise.resolve([])
  let closing = false
  app.addHook('onReady', async () => {
    app.readiness.register('jobs', async () => state)
    // After this turn of the event loop, in which listen() binds the port.
    setImmediate(() => {
      if (closing) return
      const queue = start()
      deliveryWorkers = config.role === 'api' ? queue.then(() => []) : queue.then((boss) => startWorkers(app, boss, config, syncWorkers))
      deliveryWorkers.then(
        () => (state = 'ok'),
        (err: unknown) => {
          state = 'down'
          app.log.error({ err }, 'job queue or workers failed to start')
        }
      )
    })
  })
  app.addHook('onClose', async () => {
    closing = true
    if (!started) return
    await started.catch(() => undefined)
    const workers = await deliveryWorkers.catch((): DeliveryWorkers[] => [])
    await Promise.all(workers.map((w) => w.stop()))
    await created?.stop({ graceful: true, wait: true, timeout: config.shutdownTimeoutMs })
  })
}

/** Starts this process's workers; the sync workers' ids go into `syncWorkers`, for `syncQueued`. */
async function startWorkers(app: FastifyInstance, boss: PgBoss, config: Config, syncWorkers: string[]): Promise<DeliveryWorkers[]> {
  const runner = app.services.syncRunner
  const workOptions = { batchSize: 1, pollingIntervalSeconds: config.jobs.pollIntervalSeconds, includeMetadata: true as const }
  for (let i = 0; i < config.jobs.workerConcurrency; i += 1) {
    const id = await boss.work<SyncJobData>(QUEUES.sync, workOptions, async ([job]) => {
      if (!job) return
      const attempt: SyncAttempt = { ...job.data, finalAttempt: job.retryCount >= job.retryLimit }
      await runner.run(attempt)
    })
    syncWorkers.push(id)
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
