import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type PgBoss from 'pg-boss'
import type { Config } from '../../config/env.js'
import { QUEUES, createBoss, createQueues } from '../../jobs/queue.js'
import { scheduleDueSyncs } from '../../jobs/sync-scheduler.js'
import type { SyncAttempt } from '../../modules/sync/runner.js'

declare module 'fastify' {
  interface FastifyInstance {
    boss: PgBoss
  }
}

interface SyncJobData {
  syncJobId: string
  tenantId: string
}

/**
 * The job queue (pg-boss) and, unless this process serves the API only, its workers. Workers start once the app
 * is ready and drain on close: running syncs finish (up to the shutdown timeout) before the database closes.
 */
async function jobs(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const settings = { url: config.db.url, ...config.jobs, pollIntervalSeconds: config.jobs.pollIntervalSeconds }
  const boss = createBoss(app.db, settings)
  boss.on('error', (err) => app.log.error({ err }, 'job queue error'))
  await boss.start()
  await createQueues(boss, settings)
  app.decorate('boss', boss)
  app.addHook('onClose', async () => {
    await boss.stop({ graceful: true, wait: true, timeout: config.shutdownTimeoutMs })
  })

  if (config.role === 'api') return
  app.addHook('onReady', async () => {
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
      await scheduleDueSyncs(app.db, app.services.sync, app.log)
    })
    await boss.schedule(QUEUES.syncScheduler, '* * * * *')
  })
}

export default fp(jobs, { name: 'jobs', dependencies: ['database'] })
