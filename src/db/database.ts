import { projectPath } from '../project-root.js'
import type * as schema from './schema.js'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'

export type Schema = typeof schema
/** A Drizzle handle bound to one transaction, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>

/** Raw SQL on the same connection/transaction, for libraries that speak SQL text (pg-boss, COPY-like bulk paths). */
export interface SqlExecutor {
  /** `rowCount`: the rows the statement wrote, or that a CREATE TABLE AS filled (both drivers report it). */
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount?: number | null }>
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

export interface DatabaseOptions {
  url?: string
  dataDir: string
  poolMax: number
}

/** A database on its way to being open. */
export interface PendingDatabase {
  ready: Promise<Database>
}

/**
 * Begins opening the database and returns as soon as the driver is underway: PGlite starts on a thread of its own
 * while the caller loads the rest of its code. Each driver is loaded only when chosen: a process on
 * PGlite never evaluates pg, one on PostgreSQL never loads PGlite.
 */
export async function beginOpening(options: DatabaseOptions): Promise<PendingDatabase> {
  if (options.url) {
    const { openPostgres } = await import('./postgres.js')
    return { ready: openPostgres(options.url, options.poolMax) }
  }
  const { beginPglite } = await import('./pglite.js')
  return beginPglite(options.dataDir)
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return (await beginOpening(options)).ready
}
