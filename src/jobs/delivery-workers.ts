import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { TelegramDelivery, TelegramJob } from '../modules/telegram/delivery.js'
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher.js'
import type { DeliveryJob } from '../modules/webhooks/outbox.js'
import { groupCommit } from './group-commit.js'
import { QUEUES } from './queue.js'

export interface DeliveryWorkers {
  /** Stops fetching and waits for the deliveries in flight; call before stopping the queue. */
  stop(): Promise<void>
}

interface WorkerOptions {
  concurrency: number
  pollIntervalSeconds: number
  log: FastifyBaseLogger
}

/**
 * Keeps up to `concurrency` jobs of `queue` in flight, each settled on its own, so one slow receiver (up to the
 * request timeout) holds up one slot only. Free slots are filled as soon as they open: pg-boss's own `work` loop
 * waits out the polling interval after every fetch, even a full one, which capped delivery at
 * `concurrency / JOB_POLL_INTERVAL_S` per second. The loop sleeps only when the queue had less than it asked for.
 * A throw from `handle` means the database failed, not the receiver; the job is then failed, and pg-boss retries it.
 */
function startDeliveryWorkers<T>(
  boss: PgBoss,
  queue: string,
  handle: (data: T) => Promise<unknown>,
  options: WorkerOptions & { describe: (data: T) => object }
): DeliveryWorkers {
  const { concurrency, log } = options
  const inFlight = new Set<Promise<void>>()
  const stopping = new AbortController()
  const complete = groupCommit(async (ids: string[]) => {
    await boss.complete(queue, ids)
    return ids.map(() => undefined)
  })

  async function run(job: PgBoss.Job<T>): Promise<void> {
    try {
      await handle(job.data)
      await complete(job.id)
    } catch (err) {
      log.error({ err, jobId: job.id, queue, ...options.describe(job.data) }, 'delivery job failed')
      await boss.fail(queue, job.id).catch((failErr: unknown) => log.error({ err: failErr, jobId: job.id, queue }, 'delivery job could not be failed'))
    }
  }

  async function idle(): Promise<void> {
    await sleep(options.pollIntervalSeconds * 1000, undefined, { signal: stopping.signal }).catch(() => undefined)
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      const free = concurrency - inFlight.size
      if (free === 0) {
        await Promise.race(inFlight)
        // Jobs finish in groups (their recording is shared): let the whole group free its slots, then fetch once.
        await nextTurn()
        continue
      }
      let jobs: Array<PgBoss.Job<T>> = []
      try {
        jobs = await boss.fetch<T>(queue, { batchSize: free })
      } catch (err) {
        log.error({ err, queue }, 'delivery jobs could not be fetched')
      }
      for (const job of jobs) {
        const running = run(job).finally(() => inFlight.delete(running))
        inFlight.add(running)
      }
      if (jobs.length < free) await idle()
    }
    await Promise.all(inFlight)
  }

  const running = loop()
  return {
    async stop() {
      stopping.abort()
      await running
    }
  }
}

export function startWebhookWorkers(boss: PgBoss, dispatcher: WebhookDispatcher, options: WorkerOptions): DeliveryWorkers {
  return startDeliveryWorkers<DeliveryJob>(boss, QUEUES.webhookDelivery, (data) => dispatcher.deliver(data), {
    ...options,
    describe: ({ tenantId, messageId }) => ({ tenantId, messageId })
  })
}

export function startTelegramWorkers(boss: PgBoss, delivery: TelegramDelivery, options: WorkerOptions): DeliveryWorkers {
  return startDeliveryWorkers<TelegramJob>(boss, QUEUES.telegram, (data) => delivery.deliver(data), {
    ...options,
    describe: ({ tenantId, attempt }) => ({ tenantId, attempt })
  })
}
