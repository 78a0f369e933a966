import PgBoss from 'pg-boss'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUES, createQueues, type QueueSettings } from '../../src/jobs/queue.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

const ADMIN_SHUTDOWN = '57P01'

// Several processes starting together on a new database create the same queues at once; on PGlite there is one.
describe.skipIf(!process.env.DATABASE_URL)('createQueues', () => {
  let database: TestDatabase
  const bosses: PgBoss[] = []
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true })))
    await database.drop()
  })

  it('should let four queue clients create the queues of a new database at the same time', async () => {
    const settings: QueueSettings = {
      url: database.url,
      pollIntervalSeconds: 1,
      syncRetryLimit: 1,
      syncRetryDelaySeconds: 1,
      syncTimeoutSeconds: 60,
      maintenanceIntervalSeconds: 60
    }
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
  })
})
