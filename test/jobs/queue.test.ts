import PgBoss from 'pg-boss'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUES, createQueues, webhookClaimSeconds, type QueueSettings } from '../../src/jobs/queue.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const ADMIN_SHUTDOWN = '57P01'

// Several processes starting together on a new database create the same queues at once; on PGlite there is one.
describe.skipIf(!process.env.DATABASE_URL)('createQueues', () => {
  let database: TestDatabase
  const bosses: PgBoss[] = []
  let settings: QueueSettings
  beforeAll(async () => {
    database = await createTestDatabase()
    settings = {
      url: database.url,
      pollIntervalSeconds: 1,
      syncRetryLimit: 1,
      syncRetryDelaySeconds: 1,
      syncTimeoutSeconds: 60,
      maintenanceIntervalSeconds: 60,
      webhookTimeoutMs: 45_000
    }
  })
  afterAll(async () => {
    await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true })))
    await database.drop()
  })

  it('should let four queue clients create the queues of a new database at the same time', async () => {
    for (let i = 0; i < 4; i += 1) {
      const boss = new PgBoss({ connectionString: database.url, schema: 'pgboss', max: 2 })
      // The teardown's DROP DATABASE … WITH (FORCE) ends any connection a client still holds (seen on a loaded
      // machine); pg-boss re-emits that as an error event, which would otherwise be thrown as uncaught.
      boss.on('error', (error: Error & { code?: string }) => {
        if (error.code !== ADMIN_SHUTDOWN) throw error
      })
      bosses.push(boss)
    }
    await Promise.all(bosses.map((boss) => boss.start()))
    await Promise.all(bosses.map((boss) => createQueues(boss, settings)))
    expect((await bosses[0]!.getQueues()).map((q) => q.name)).toEqual(expect.arrayContaining(Object.values(QUEUES)))
    // A delivery job retried while its message is still claimed would skip the message and leave it undelivered.
    const delivery = await bosses[0]!.getQueue(QUEUES.webhookDelivery)
    expect(delivery?.retryDelay).toBeGreaterThanOrEqual(webhookClaimSeconds(settings.webhookTimeoutMs))
  })

  it('should give queues that exist the settings of this start, such as a changed retry limit', async () => {
    const boss = bosses[0]!
    await createQueues(boss, { ...settings, syncRetryLimit: 7, webhookTimeoutMs: 60_000 })
    expect(await boss.getQueue(QUEUES.sync)).toMatchObject({ retryLimit: 7 })
    expect(await boss.getQueue(QUEUES.webhookDelivery)).toMatchObject({ retryDelay: webhookClaimSeconds(60_000) })
  })
})
