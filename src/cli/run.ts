import { ConfigError, loadConfig, type Config } from '../config/env.js'
import { resolveSecrets } from '../config/secrets.js'
import { openDatabase, type Database } from '../db/database.js'

/**
 * Runs an operator command against the configured database: config errors print one line, any failure exits 1.
 * The embedded database serves one process, so with PGlite these commands need the server stopped.
 */
export async function runCommand(task: (ctx: { config: Config; db: Database }) => Promise<void>): Promise<void> {
  let db: Database | undefined
  try {
    const config = await resolveSecrets(loadConfig(), () => {})
    db = await openDatabase(config.db)
    await task({ config, db })
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  } finally {
    await db?.close()
  }
}
