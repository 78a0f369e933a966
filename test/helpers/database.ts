import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * Each test file gets its own database: a fresh PostgreSQL database on the server named by DATABASE_URL when it is
 * set (CI runs the suite that way), otherwise an in-memory PGlite instance.
 */
export interface TestDatabase {
  url?: string
  dataDir: string
  drop(): Promise<void>
}

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
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    }
  }
}
