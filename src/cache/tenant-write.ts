import type { Database, Db, SqlExecutor } from '../db/database.js'
import type { Cache } from './cache.js'

/**
 * One tenant transaction whose changes show in cached reads as soon as it commits: `db.tenant` inside
 * `cache.invalidating`. Use it for every write that changes something a cached read returns.
 */
export function writeTenant<T>(deps: { db: Database; cache: Cache }, tenantId: string, fn: (tx: Db, raw: SqlExecutor) => Promise<T>): Promise<T> {
  return deps.cache.invalidating(tenantId, () => deps.db.tenant(tenantId, fn))
}
