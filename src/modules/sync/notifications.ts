import type PgBoss from 'pg-boss'
import type { Db, SqlExecutor } from '../../db/database.js'
import type { AlertsService } from '../alerts/service.js'
import { publishEvent } from '../webhooks/outbox.js'
import type { SyncObserver, SyncScope } from './runner.js'

/**
 * The sync's observer in the running app: webhooks for its outcome, and stock alerts after a successful one. Syncs
 * run in workers, which start only once the queue has, so awaiting the queue inside the sync's transactions never
 * waits.
 */
export class SyncNotifications implements SyncObserver {
  constructor(private readonly deps: { boss: () => Promise<PgBoss>; alerts: AlertsService }) {}

  async succeeded(tx: Db, raw: SqlExecutor, scope: SyncScope, result: { marketplaces: string[]; products: number; truncated: boolean }): Promise<void> {
    const boss = await this.deps.boss()
    await this.deps.alerts.afterSync(boss, tx, raw, scope.tenantId, scope.syncJobId)
    await publishEvent(boss, raw, scope.tenantId, 'sync.succeeded', { sync_job_id: scope.syncJobId, ...result })
  }

  async failed(_tx: Db, raw: SqlExecutor, scope: SyncScope, error: { code: string; detail: string }): Promise<void> {
    await publishEvent(await this.deps.boss(), raw, scope.tenantId, 'sync.failed', { sync_job_id: scope.syncJobId, error })
  }

  async credentialsInvalid(_tx: Db, raw: SqlExecutor, scope: SyncScope, credentials: { marketplace: string; detail: string }): Promise<void> {
    await publishEvent(await this.deps.boss(), raw, scope.tenantId, 'credentials.invalid', {
      sync_job_id: scope.syncJobId,
      marketplace_type: credentials.marketplace,
      detail: credentials.detail
    })
  }
}
