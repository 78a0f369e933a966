import type { Database } from '../../db/database.js'
import type { AuthContext } from '../auth/context.js'
import { exportPage, type ExportRow } from './repository.js'

/** Rows per read: large enough to amortise the round trip, small enough to keep each transaction short. */
const PAGE_SIZE = 1_000

export class StocksService {
  constructor(private readonly deps: { db: Database }) {}

  /**
   * Every (product, warehouse) stock row of the tenant, read a page at a time as the consumer asks for more. Each
   * page is its own short transaction, so a slow download holds no connection between pages.
   */
  async *exportRows(auth: Pick<AuthContext, 'tenantId'>): AsyncGenerator<ExportRow> {
    const { tenantId } = auth
    let after: { productId: string; warehouseId: string } | null = null
    for (;;) {
      const page: ExportRow[] = await this.deps.db.tenant(tenantId, (tx) => exportPage(tx, tenantId, after, PAGE_SIZE))
      yield* page
      const last = page.at(-1)
      if (!last || page.length < PAGE_SIZE) return
      after = { productId: last.productId, warehouseId: last.warehouseId }
    }
  }
}
