import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import lockfile from 'proper-lockfile'
import { projectPath } from '../project-root.js'
import * as schema from './schema.js'

export type Schema = typeof schema
/** A Drizzle handle bound to one transaction, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>

/** Raw SQL on the same connection/transaction, for libraries that speak SQL text (pg-boss, COPY-like bulk paths). */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>
}

export interface Database {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction as the RLS-bound `stock_app` role with `app.tenant_id` set to `tenantId`. */
  tenant<T>(tenantId: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T>
  /**
   * One read-only statement under the tenant's RLS context in a single round trip, for the per-request hot path.
   * `$1…$n` may only stand for UUIDs: they are checked and inlined so prologue and statement travel together.
   */
  tenantRead<R>(tenantId: string, text: string, uuids: string[]): Promise<R[]>
  /** Runs `fn` in one transaction as `stock_system`, for the few paths that must cross tenants. */
  system<T>(fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T>
  /**
   * Runs `fn` with a database whose transactions all go to one connection, held until `fn` settles and then closed:
   * temporary tables live from one of its transactions to the next and go with it (a sync's staging). On PGlite,
   * which has one connection, it is this database, and such tables must be dropped by their user.
   */
  session<T>(fn: (db: Database) => Promise<T>): Promise<T>
  /** The connecting (owner) role outside any transaction: migrations and the job queue's own tables. */
  readonly owner: SqlExecutor & { exec(text: string): Promise<unknown> }
  migrate(): Promise<void>
  ping(): Promise<void>
  /** Connection counts of the PostgreSQL pool, for metrics; null on PGlite, which has no pool. */
  poolStats(): PoolStats | null
  close(): Promise<void>
}

export interface PoolStats {
  total: number
  idle: number
  /** Callers waiting for a connection. */
  waiting: number
}

export const MIGRATIONS_FOLDER = projectPath('src', 'db', 'migrations')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Any fixed number; it only has to be the same in every process migrating this database. */
const MIGRATION_LOCK_ID = 4_242_001

/**
 * The transaction prologue. The tenant id is inlined (after a strict UUID check) so the whole prologue goes to
 * PostgreSQL as one simple-protocol message: one round trip per transaction instead of three.
 */
function uuidLiteral(value: string): string {
  if (!UUID.test(value)) throw new TypeError('expected a UUID')
  return `'${value.toLowerCase()}'`
}

/** One statement: `set_config('role', …, true)` is SET LOCAL ROLE in function form, so both fit in one SELECT. */
function tenantPrologue(tenantId: string): string {
  return `SELECT set_config('role', 'stock_app', true), set_config('app.tenant_id', ${uuidLiteral(tenantId)}, true)`
}

function inlineUuids(text: string, uuids: string[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => uuidLiteral(uuids[Number(n) - 1] ?? ''))
}
const SYSTEM_PROLOGUE = `SELECT set_config('role', 'stock_system', true), set_config('app.tenant_id', '', true)`

export interface DatabaseOptions {
  url?: string
  dataDir: string
  poolMax: number
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolMax) : openPglite(options.dataDir)
}

async function openPostgres(url: string, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, idleTimeoutMillis: 30_000 })
  // An idle client that loses its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => {})
  const handles = new WeakMap<pg.PoolClient, Db>()
  const handleFor = (client: pg.PoolClient): Db => {
    let db = handles.get(client)
    if (!db) {
      db = drizzlePg(client, { schema }) as unknown as Db
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
        await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER })
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

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://')
  let releaseLock: (() => Promise<void>) | undefined
  let pgdata = dataDir
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true })
    // PGlite does not lock its data directory itself; a second process would corrupt it silently.
    releaseLock = await lockfile
      .lock(dataDir, { lockfilePath: path.join(dataDir, '.lock'), stale: 30_000, update: 10_000 })
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ELOCKED') {
          throw new Error(`DATA_DIR ${dataDir} is in use by another process; the embedded database serves one process only`)
        }
        throw error
      })
    pgdata = path.join(dataDir, 'pgdata')
  }
  const pglite = await PGlite.create(inMemory ? undefined : pgdata, { extensions: { pg_trgm } })

  async function run<T>(prologue: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> {
    return pglite.transaction(async (ptx: PgliteTransaction) => {
      await ptx.exec(prologue)
      return fn(drizzlePglite(ptx as unknown as PGlite, { schema }) as unknown as Db, ptx as SqlExecutor)
    })
  }

  const database: Database = {
    kind: 'pglite',
    tenant: (tenantId, fn) => run(tenantPrologue(tenantId), fn),
    async tenantRead<R>(tenantId: string, text: string, uuids: string[]) {
      const results = await pglite.transaction((ptx) => ptx.exec(`${tenantPrologue(tenantId)}; ${inlineUuids(text, uuids)}`))
      return (results.at(-1)?.rows ?? []) as R[]
    },
    system: (fn) => run(SYSTEM_PROLOGUE, fn),
    session: (fn) => fn(database),
    owner: {
      query: (text, values) => pglite.query(text, values) as never,
      exec: (text) => pglite.exec(text)
    },
    async migrate() {
      await migratePglite(drizzlePglite(pglite), { migrationsFolder: MIGRATIONS_FOLDER })
    },
    async ping() {
      await pglite.query('SELECT 1')
    },
    poolStats: () => null,
    async close() {
      await pglite.close()
      await releaseLock?.()
    }
  }
  return database
}
