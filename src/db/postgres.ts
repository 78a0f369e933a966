import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { MIGRATIONS_FOLDER, type Database, type Db, type SqlExecutor } from './database.js'
import { SYSTEM_PROLOGUE, inlineUuids, tenantPrologue } from './prologue.js'
import * as schema from './schema.js'

/** Any fixed number; it only has to be the same in every process migrating this database. */
const MIGRATION_LOCK_ID = 4_242_001

export async function openPostgres(url: string, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, idleTimeoutMillis: 30_000 })
  // An idle client that loses its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => {})
  const handles = new WeakMap<pg.PoolClient, Db>()
  const handleFor = (client: pg.PoolClient): Db => {
    let db = handles.get(client)
    if (!db) {
      db = drizzle(client, { schema }) as unknown as Db
      handles.set(client, db)
    }
    return db
  }

  /** One transaction on `client`; the error of a failed ROLLBACK (the connection is unusable) goes to `broken`. */
  async function runOn<T>(client: pg.PoolClient, prologue: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>, broken: (error: Error) => void): Promise<T> {
    try {
      await client.query(`BEGIN; ${prologue}`)
      const result = await fn(handleFor(client), client as SqlExecutor)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(broken)
      throw error
    }
  }

  async function run<T>(prologue: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      return await runOn(client, prologue, fn, (error) => (broken = error))
    } finally {
      client.release(broken)
    }
  }

  const database: Database = {
    kind: 'postgres',
    tenant: (tenantId, fn) => run(tenantPrologue(tenantId), fn),
    async tenantRead<R>(tenantId: string, text: string, uuids: string[]) {
      // Without BEGIN, PostgreSQL runs a multi-statement query as one implicit transaction: the prologue's local
      // settings hold for the statement after it and end with it. Two statements, one round trip.
      const results = (await pool.query(`${tenantPrologue(tenantId)}; ${inlineUuids(text, uuids)}`)) as unknown as pg.QueryResult[]
      return (results[1]?.rows ?? []) as R[]
    },
    system: (fn) => run(SYSTEM_PROLOGUE, fn),
    async session(fn) {
      const client = await pool.connect()
      // One transaction at a time on the connection, as on a pool of one.
      let queue: Promise<unknown> = Promise.resolve()
      const serial = <T>(prologue: string, work: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> => {
        const next = queue.then(() => runOn(client, prologue, work, () => {}))
        queue = next.catch(() => {})
        return next
      }
      try {
        return await fn({ ...database, tenant: (tenantId, work) => serial(tenantPrologue(tenantId), work), system: (work) => serial(SYSTEM_PROLOGUE, work) })
      } finally {
        // Closed rather than returned to the pool: its temporary tables and settings go with it.
        client.release(true)
      }
    },
    owner: {
      query: (text, values) => pool.query(text, values) as never,
      exec: (text) => pool.query(text)
    },
    async migrate() {
      const client = await pool.connect()
      try {
        // Several processes may start at once against one database; only one applies migrations.
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID])
        await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER })
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {})
        client.release()
      }
    },
    async ping() {
      await pool.query('SELECT 1')
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await pool.end()
    }
  }
  return database
}
