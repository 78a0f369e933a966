import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { WebhookDispatcher } from '../modules/webhooks/dispatcher.js'
import type { DeliveryJob } from '../modules/webhooks/outbox.js'
import { QUEUES } from './queue.js'

export interface WebhookWorkers {
  /** Stops fetching and waits for the deliveries in flight; call before stopping the queue. */
  stop(): Promise<void>
}

/**
 * Keeps up to `concurrency` deliveries in flight, each job settled on its own, so one slow receiver (up to the
 * request timeout) holds up one slot only. Free slots are filled as soon as they open: pg-boss's own `work` loop
 * waits out the polling interval after every fetch, even a full one, which capped delivery at
 * `concurrency / JOB_POLL_INTERVAL_S` per second. The loop sleeps only when the queue had less than it asked for.
 * A throw from the dispatcher means the database failed, not the receiver; the job is then failed, and pg-boss
 * retries it.
 */
export function startWebhookWorkers(
  boss: PgBoss,
  dispatcher: WebhookDispatcher,
  options: { concurrency: number; pollIntervalSeconds: number; log: FastifyBaseLogger }
): WebhookWorkers {
  const { concurrency, log } = options
  const name = QUEUES.webhookDelivery
  const inFlight = new Set<Promise<void>>()
  const stopping = new AbortController()
  const done: string[] = []
  let completing: Promise<void> | undefined

  /** Group commit: the jobs that finish while one completion is on its way go together in the next one. */
  function complete(id: string): Promise<void> {
    done.push(id)
    completing ??= (async () => {
      while (done.length > 0) await boss.complete(name, done.splice(0))
    })().finally(() => (completing = undefined))
    return completing
  }

  async function deliver(job: PgBoss.Job<DeliveryJob>): Promise<void> {
    try {
      await dispatcher.deliver(job.data)
      await complete(job.id)
    } catch (err) {
      log.error({ err, jobId: job.id, tenantId: job.data.tenantId, messageId: job.data.messageId }, 'webhook delivery job failed')
      await boss.fail(name, job.id).catch((failErr: unknown) => log.error({ err: failErr, jobId: job.id }, 'webhook delivery job could not be failed'))
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
        continue
      }
      let jobs: Array<PgBoss.Job<DeliveryJob>> = []
      try {
        jobs = await boss.fetch<DeliveryJob>(name, { batchSize: free })
      } catch (err) {
        log.error({ err }, 'webhook delivery jobs could not be fetched')
      }
      for (const job of jobs) {
        const running = deliver(job).finally(() => inFlight.delete(running))
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
