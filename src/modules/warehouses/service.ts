import type { Database } from '../../db/database.js'
import type { AuthContext } from '../auth/context.js'
import * as repo from './repository.js'
import type { WarehouseSummary } from './schemas.js'

export class WarehousesService {
  constructor(private readonly deps: { db: Database }) {}

  async list(auth: Pick<AuthContext, 'tenantId'>): Promise<{ items: WarehouseSummary[] }> {
    const rows = await this.deps.db.tenant(auth.tenantId, (tx) => repo.listWarehouseSummaries(tx, auth.tenantId))
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
