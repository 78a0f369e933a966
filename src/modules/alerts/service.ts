import type PgBoss from 'pg-boss'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { FRESH_ROWS_SETTINGS, withSettings } from '../../db/planner.js'
import { invalid } from '../../errors.js'
import type { CursorSigner } from '../../security/cursors.js'
import type { AuthContext } from '../auth/context.js'
import { publishEvents } from '../webhooks/outbox.js'
import * as repo from './repository.js'
import type { AlertQuery } from './schemas.js'

/** Names the list in its cursors, so a cursor of another list is refused rather than misread. */
const CURSOR_KIND = 'alerts'

/** The channels besides webhooks that a sync's alerts go to, written in the sync's transaction. */
export interface AlertChannel {
  alerted(boss: PgBoss, tx: Db, raw: SqlExecutor, tenantId: string, syncJobId: string): Promise<void>
}

export class AlertsService {
  constructor(private readonly deps: { db: Database; cursors: CursorSigner; channels: AlertChannel[] }) {}

  async list(auth: Pick<AuthContext, 'tenantId'>, query: AlertQuery) {
    const after = query.cursor === undefined ? undefined : this.decodeCursor(query.cursor)
    // One row past the page tells whether another page follows.
    const rows = await this.deps.db.tenant(auth.tenantId, (tx) => repo.listAlerts(tx, auth.tenantId, { state: query.state, after }, query.limit + 1))
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    return {
      items: page.map((row) => ({
        product_id: row.productId,
        marketplace_type: row.marketplaceType as 'wildberries' | 'ozon',
        external_id: row.externalId,
        vendor_code: row.vendorCode,
        name: row.name,
        state: row.state,
        total_stock: row.totalStock,
        threshold: row.threshold,
        days_of_stock: row.daysOfStock,
        sales_per_day: row.salesPerDay,
        since: row.since.toISOString()
      })),
      next_cursor: rows.length > query.limit && last ? this.deps.cursors.encode([CURSOR_KIND, last.totalStock, last.productId]) : null
    }
  }

  /**
   * After a sync's merge, in its transaction: classifies every product, then sends the alerts it calls for as
   * `stock.low` / `stock.out` webhook events and to the other channels, all committing with the sync. These
   * statements join the catalogue the merge has just written, which statistics know nothing of.
   */
  async afterSync(boss: PgBoss, tx: Db, raw: SqlExecutor, tenantId: string, syncJobId: string): Promise<void> {
    await withSettings(tx, FRESH_ROWS_SETTINGS, async () => {
      await repo.refreshAlerts(tx, tenantId, { syncJobId })
      await publishEvents(boss, raw, tenantId, repo.ALERT_EVENTS, [syncJobId])
      for (const channel of this.deps.channels) await channel.alerted(boss, tx, raw, tenantId, syncJobId)
    })
  }

  private decodeCursor(cursor: string): { totalStock: number; productId: string } {
    const values = this.deps.cursors.decode(cursor)
    const [kind, totalStock, productId] = values ?? []
    if (values?.length !== 3 || kind !== CURSOR_KIND || !Number.isSafeInteger(totalStock) || typeof productId !== 'string') {
      throw invalid('cursor', 'is not a cursor of this list')
    }
    return { totalStock: totalStock as number, productId }
  }
}
