import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { Database } from '../db/database.js'
import { findTenantsDueForSync } from '../modules/sync/repository.js'
import type { SyncService } from '../modules/sync/service.js'
import { PLANS } from '../modules/tenants/plans.js'

const BATCH = 500

/**
 * Queues a scheduled sync for every tenant whose plan interval has passed since its last sync. Runs every minute
 * from pg-boss's cron, on one worker at a time (singleton queue).
 */
export async function scheduleDueSyncs(db: Database, boss: PgBoss, sync: SyncService, log: FastifyBaseLogger): Promise<number> {
  const intervals = Object.fromEntries(Object.entries(PLANS).map(([plan, limits]) => [plan, limits.syncIntervalMinutes]))
  const due = await db.system((_tx, raw) => findTenantsDueForSync(raw, intervals, BATCH))
  let queued = 0
  for (const tenant of due) {
    const result = await sync.schedule(boss, tenant.tenant_id, tenant.marketplaces)
    if (result.created) queued += 1
  }
  if (queued > 0) log.info({ queued }, 'scheduled syncs queued')
  return queued
}
