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
 * Opens the database (embedded PGlite or PostgreSQL), or takes over the one the process began to open, and applies
 * pending migrations before the server listens.
 */
async function database(app: FastifyInstance, opts: { config: Config; opening?: Promise<Database> | undefined }) {
  const { db: settings } = opts.config
  const db = await (opts.opening ?? openDatabase(settings))
  app.addHook('onClose', () => db.close())
  if (settings.migrateOnStart) {
    const started = Date.now()
    await db.migrate()
    app.log.info({ durationMs: Date.now() - started, kind: db.kind }, 'database migrations applied')
  }
  app.decorate('db', db)
}

export default fp(database, { name: 'database' })
