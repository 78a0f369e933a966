import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'
import { openDatabase, type Database } from '../../db/database.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

/**
 * The database while it opens and migrates: each call waits for it, and once it is ready its own methods replace
 * these waiting ones, so calls made afterwards go straight to it. Closing closes what opened, migrated or not.
 */
function whenReady(kind: Database['kind'], opening: Promise<Database>, ready: Promise<Database>): Database {
  const deferred: Database = {
    kind,
    tenant: async (tenantId, fn) => (await ready).tenant(tenantId, fn),
    tenantRead: async (tenantId, text, uuids) => (await ready).tenantRead(tenantId, text, uuids),
    system: async (fn) => (await ready).system(fn),
    session: async (fn) => (await ready).session(fn),
    owner: {
      query: async (text, values) => (await ready).owner.query(text, values),
      exec: async (text) => (await ready).owner.exec(text)
    },
    migrate: async () => (await ready).migrate(),
    ping: async () => (await ready).ping(),
    poolStats: () => null,
    close: () => opening.then((db) => db.close(), () => undefined)
  }
  ready.then((db) => Object.assign(deferred, db), () => undefined)
  return deferred
}

/**
 * Opens the database (embedded PGlite or PostgreSQL), or takes over the one the process began to open, and applies
 * pending migrations before the server listens. The plugins and routes after this one register meanwhile: PGlite
 * starts on a thread of its own, PostgreSQL's pool connects over the network.
 */
async function database(app: FastifyInstance, opts: { config: Config; opening?: Promise<Database> | undefined }) {
  const { db: settings } = opts.config
  const opening = opts.opening ?? openDatabase(settings)
  const ready = opening.then(async (db) => {
    if (settings.migrateOnStart) {
      const started = Date.now()
      await db.migrate()
      app.log.info({ durationMs: Date.now() - started, kind: db.kind }, 'database migrations applied')
    }
    return db
  })
  // Held until onReady reports it; a failure to open is start-up's to report, not an unhandled rejection.
  ready.catch(() => undefined)
  const db = whenReady(settings.url ? 'postgres' : 'pglite', opening, ready)
  app.decorate('db', db)
  app.addHook('onReady', async () => {
    await ready
  })
  app.addHook('onClose', () => db.close())
}

export default fp(database, { name: 'database' })
