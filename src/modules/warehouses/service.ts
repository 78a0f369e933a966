import type { Cache } from '../../cache/cache.js'
import type { Database } from '../../db/database.js'
import type { AuthContext } from '../auth/context.js'
import * as repo from './repository.js'
import type { WarehouseSummary } from './schemas.js'

export class WarehousesService {
  constructor(private readonly deps: { db: Database; cache: Cache; cacheTtlSeconds: number }) {}

  /** Cached per tenant; only the sync's merge changes warehouses and their stock, and it invalidates the cache. */
  async list(auth: Pick<AuthContext, 'tenantId' | 'startedAt'>): Promise<{ items: WarehouseSummary[] }> {
    return this.deps.cache.tenant(auth.tenantId, auth.startedAt).wrap('warehouses', this.deps.cacheTtlSeconds, () => this.#summaries(auth.tenantId))
  }

  async #summaries(tenantId: string): Promise<{ items: WarehouseSummary[] }> {
    const rows = await this.deps.db.tenant(tenantId, (tx) => repo.listWarehouseSummaries(tx, tenantId))
    return {
      items: rows.map((row) => ({
        id: row.id,
        marketplace_type: row.marketplaceType as WarehouseSummary['marketplace_type'],
        external_id: row.externalId,
        name: row.name,
        type: row.type,
        product_count: row.productCount,
        total_quantity: row.totalQuantity
      }))
    }
  }
}
