import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import lockfile from 'proper-lockfile'
import { MIGRATIONS_FOLDER, type Database, type Db, type PendingDatabase, type SqlExecutor } from './database.js'
import { PgliteThread, type PgliteQueries } from './pglite-thread.js'
import { SYSTEM_PROLOGUE, inlineUuids, tenantPrologue } from './prologue.js'
import * as schema from './schema.js'

/**
 * Locks the data dir and starts PGlite on its own thread, then returns: the caller loads its own code meanwhile, and
 * `ready` resolves once PostgreSQL has started there.
 */
export async function beginPglite(dataDir: string): Promise<PendingDatabase> {
  const inMemory = dataDir.startsWith('memory://')
  const releaseLock = inMemory ? undefined : await lockDataDir(dataDir)
  const { thread, ready } = PgliteThread.start({ pgdata: inMemory ? undefined : path.join(dataDir, 'pgdata') })
  const opened = ready.then(
    () => pgliteDatabase(thread, releaseLock),
    async (error: unknown) => {
      await releaseLock?.()
      throw error
    }
  )
  return { ready: opened }
}

async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true })
  // PGlite does not lock its data directory itself; a second process would corrupt it silently.
  return lockfile.lock(dataDir, { lockfilePath: path.join(dataDir, '.lock'), stale: 30_000, update: 10_000 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOCKED') {
      throw new Error(`DATA_DIR ${dataDir} is in use by another process; the embedded database serves one process only`)
    }
    throw error
  })
}

function pgliteDatabase(pglite: PgliteThread, releaseLock?: () => Promise<void>): Database {
  async function run<T>(prologue: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> {
    return pglite.transaction(async (ptx: PgliteQueries) => {
      await ptx.exec(prologue)
      return fn(drizzle(ptx as never, { schema }) as unknown as Db, ptx as SqlExecutor)
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
      await migrate(drizzle(pglite as never), { migrationsFolder: MIGRATIONS_FOLDER })
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
