import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import { openDatabase, type Database } from '../../src/db/database.js'

/**
 * Each test file gets its own database: a fresh PostgreSQL database on the server named by DATABASE_URL when it is
 * set (CI runs the suite that way), otherwise an in-memory PGlite instance.
 */
export interface TestDatabase {
  url?: string
  dataDir: string
  drop(): Promise<void>
}

const INSUFFICIENT_PRIVILEGE = '42501'
const DROP_ATTEMPTS = 40

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL
  if (!serverUrl) return { dataDir: 'memory://', drop: async () => {} }
  const name = `st_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    dataDir: 'memory://',
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        for (let attempt = 1; ; attempt += 1) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
            return
          } catch (error) {
            // FORCE may not end an autovacuum worker busy in the database (it runs as no role, so only a superuser may
            // signal it); the worker finishes soon on a test database, so wait for it.
            if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || attempt >= DROP_ATTEMPTS) throw error
            await delay(250)
          }
        }
      } finally {
        await client.end()
      }
    }
  }
}

/** A migrated database of the test file's own with one tenant in it, for tests below the HTTP layer. */
export interface TenantDatabase {
  db: Database
  tenantId: string
  close(): Promise<void>
}

export async function openTenantDatabase(tenantName: string): Promise<TenantDatabase> {
  const testDb = await createTestDatabase()
  const db = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, poolMax: 4 })
  await db.migrate()
  const tenantId = randomUUID()
  await db.system((_tx, raw) => raw.query(`INSERT INTO tenants (id, name, marketplace_type) VALUES ($1, $2, 'wildberries')`, [tenantId, tenantName]))
  return {
    db,
    tenantId,
    async close() {
      await db.close()
      await testDb.drop()
    }
  }
}
