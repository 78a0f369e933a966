import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { waitFor } from '../helpers/wait.js'

describe('jobs plugin', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  describe('GET /api/v1/health/ready while the queue starts', () => {
    it('should answer 503 with jobs "starting" until the queue and its workers are up, then 200', async () => {
      // The queue starts after the app is ready, so the first answer comes before it is up.
      const early = await t.app.inject('/api/v1/health/ready')
      expect(early.statusCode).toBe(503)
      expect(early.json()).toMatchObject({ detail: 'Not ready: jobs starting', checks: { database: 'ok', jobs: 'starting' } })

      const ready = await waitFor(async () => {
        const res = await t.app.inject('/api/v1/health/ready')
        return res.statusCode === 200 && res
      }, 'readiness')
      expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', jobs: 'ok' } })
      const queues = (await (await t.app.boss()).getQueues()).map((q) => q.name)
      expect(queues).toContain('tenant-sync')
    })
  })
})
