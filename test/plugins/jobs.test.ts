import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.js'
import { runSync, tenantWithWildberries } from '../helpers/sync.js'
import { waitFor } from '../helpers/wait.js'

describe('jobs plugin', () => {
  describe('GET /api/v1/health/ready while the queue starts', () => {
    // On the embedded database with Redis configured, the queue is up before the app's ready resolves (PGlite answers
    // in this process while the Redis connection is made), so there is no starting phase to observe.
    it.skipIf(Boolean(process.env.REDIS_URL) && !process.env.DATABASE_URL)('should answer 503 with jobs "starting" until the queue and its workers are up, then 200', async () => {
      const t = await buildTestApp()
      try {
        // The queue starts on the turn of the event loop after the app is ready: a request sent at once (no test
        // runner in between) finds it starting.
        const early = await t.app.inject('/api/v1/health/ready')
        expect(early.statusCode).toBe(503)
        expect(early.json()).toMatchObject({ detail: 'Not ready: jobs starting', checks: { database: 'ok', jobs: 'starting' } })

        const ready = await waitFor(async () => {
          const res = await t.app.inject('/api/v1/health/ready')
          return res.statusCode === 200 && res
        }, 'readiness')
        // Test runs with REDIS_URL configure Redis too, and readiness reports it beside the rest.
        const redis = process.env.REDIS_URL ? { redis: 'ok' } : {}
        expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', jobs: 'ok', ...redis } })
        const queues = (await (await t.app.boss()).getQueues()).map((q) => q.name)
        expect(queues).toContain('tenant-sync')
      } finally {
        await t.close()
      }
    })
  })

  describe('POST /api/v1/products/sync in a process that runs workers', () => {
    it('should start the sync at once rather than at the workers\' next poll', async () => {
      // Workers poll once a minute here, and the sync must finish well within that (runSync waits at most 20 s).
      const t = await buildTestApp({ JOB_POLL_INTERVAL_S: '60' })
      try {
        await waitFor(async () => (await t.app.inject('/api/v1/health/ready')).statusCode === 200, 'readiness')
        const { owner } = await tenantWithWildberries(t)
        const job = await runSync(t, owner)
        expect(job.status).toBe('succeeded')
      } finally {
        await t.close()
      }
    })
  })
})
