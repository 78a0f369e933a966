import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import lockfile from 'proper-lockfile'
import { MIGRATIONS_FOLDER, type Database, type Db, type PendingDatabase, type SqlExecutor } from './database.js'
import { SYSTEM_PROLOGUE, inlineUuids, tenantPrologue } from './prologue.js'
import * as schema from './schema.js'

/** One process's working set; pages beyond it are read back from the operating system's file cache, not the disk. */
const PGLITE_SHARED_BUFFERS = '32MB'

/** PostgreSQL compiled to WebAssembly, the largest file PGlite loads (~9 MB). */
const POSTGRES_WASM = createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm')

/**
 * Locks the data dir and sets V8 compiling PostgreSQL's WebAssembly on its background threads, then returns: the
 * caller loads its own code meanwhile, and `ready` resolves once PGlite has started on the compiled module.
 */
export async function beginPglite(dataDir: string): Promise<PendingDatabase> {
  const inMemory = dataDir.startsWith('memory://')
  const releaseLock = inMemory ? undefined : await lockDataDir(dataDir)
  const compiling = WebAssembly.compile(await readFile(POSTGRES_WASM))
  return { ready: openPglite(inMemory ? undefined : path.join(dataDir, 'pgdata'), compiling, releaseLock) }
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

async function openPglite(pgdata: string | undefined, compiling: Promise<WebAssembly.Module>, releaseLock?: () => Promise<void>): Promise<Database> {
  const pglite = await PGlite.create(pgdata, {
    pgliteWasmModule: await compiling,
    extensions: { pg_trgm },
    // PostgreSQL's default 128 MB of shared buffers is sized for a server shared by many connections; PGlite
    // allocates and clears all of it at every start, which cost ~0.1 s of start-up and ~110 MB of resident memory.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`]
  })

  async function run<T>(prologue: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> {
    return pglite.transaction(async (ptx: PgliteTransaction) => {
      await ptx.exec(prologue)
      return fn(drizzle(ptx as unknown as PGlite, { schema }) as unknown as Db, ptx as SqlExecutor)
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
      await migrate(drizzle(pglite), { migrationsFolder: MIGRATIONS_FOLDER })
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
