import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Transaction as PgliteTransaction } from '@electric-sql/pglite'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { Database, SqlExecutor } from '../../db/database.js'
import { UUID } from '../../db/prologue.js'
import type { MarketProduct, MarketStock, MarketWarehouse } from '../../marketplaces/types.js'

/** Columns of each staging table, in COPY order. */
const TABLES = {
  products: 'marketplace_type text, external_id text, vendor_code text, name text, brand text, category text, barcodes text[], batch int',
  skus: 'marketplace_type text, product_external_id text, external_id text, size text, barcodes text[], batch int',
  warehouses: 'marketplace_type text, external_id text, name text, type text',
  stocks: 'marketplace_type text, sku_external_id text, warehouse_external_id text, quantity int, reserved int, in_way_to_client int, in_way_from_client int, batch int'
} as const

/**
 * What one staging write takes: a batch of products with their SKUs, and stock rows. `stocks` are the stock of the
 * batch's own SKUs, read for them: a SKU read again in a later batch (its card edited mid-sync) has its stock read
 * again, and the later read replaces this one. With `report`, they are a page of a stock report instead, whose rows
 * for one level add up (e.g. one per region) however the pages split them.
 */
export interface StageBatch {
  products: MarketProduct[]
  stocks: MarketStock[]
  report?: boolean
}

export type StagingTable = keyof typeof TABLES

/**
 * Where one sync attempt stages what it reads: temporary tables of the connection the attempt holds from start to
 * end (`Database.session`), so every row in them is this attempt's and this tenant's, and nothing else can read them.
 * They are written with COPY, the cheapest way into PostgreSQL, which it refuses for tables under row-level security
 * (the shared staging tables this replaces had to be written with INSERT … json_to_recordset, row by checked row);
 * they need no keys (a card read twice, e.g. edited mid-sync, is staged twice, and the merge keeps the copy of the
 * later batch and the stock read with it), no tenant or job columns, no WAL and no DELETE afterwards. PGlite has one connection for everything,
 * so there the names carry the job id (two tenants' syncs may interleave) and the attempt drops them at its end.
 *
 * @example
 * const staging = new Staging(db.kind, syncJobId)
 * await db.tenant(tenantId, (_tx, raw) => staging.create(raw))
 * await db.tenant(tenantId, (_tx, raw) => staging.write(raw, 0, 'wildberries', batch))
 */
export class Staging {
  readonly names: Record<StagingTable, string>

  constructor(
    private readonly kind: Database['kind'],
    syncJobId: string
  ) {
    if (!UUID.test(syncJobId)) throw new TypeError('expected a UUID')
    const suffix = syncJobId.replaceAll('-', '').toLowerCase()
    this.names = {
      products: `sync_stage_products_${suffix}`,
      skus: `sync_stage_skus_${suffix}`,
      warehouses: `sync_stage_warehouses_${suffix}`,
      stocks: `sync_stage_stocks_${suffix}`
    }
  }

  /** Empty staging tables (a previous attempt's, on PGlite, are dropped first). */
  async create(raw: SqlExecutor): Promise<void> {
    await this.drop(raw)
    for (const table of Object.keys(TABLES) as StagingTable[]) {
      await raw.query(`CREATE TEMP TABLE ${this.names[table]} (${TABLES[table]})`)
    }
  }

  async drop(raw: SqlExecutor): Promise<void> {
    await raw.query(`DROP TABLE IF EXISTS ${Object.values(this.names).join(', ')}`)
  }

  /** One batch: its products with their SKUs, its stock rows and the warehouses they name, one COPY per table. */
  async write(raw: SqlExecutor, batch: number, marketplace: string, data: StageBatch): Promise<void> {
    const m = field(marketplace)
    if (data.products.length > 0) {
      let products = ''
      let skus = ''
      for (const p of data.products) {
        const id = field(p.externalId)
        products += `${m}\t${id}\t${field(p.vendorCode)}\t${field(p.name)}\t${field(p.brand)}\t${field(p.category)}\t${arrayField(p.barcodes)}\t${batch}\n`
        for (const s of p.skus) skus += `${m}\t${id}\t${field(s.externalId)}\t${field(s.size)}\t${arrayField(s.barcodes)}\t${batch}\n`
      }
      await this.copy(raw, 'products', products)
      if (skus) await this.copy(raw, 'skus', skus)
    }
    if (data.stocks.length > 0) {
      const warehouses = new Map<string, MarketWarehouse>()
      // A report's rows carry no batch: they are never replaced by a later read.
      const read = data.report ? '\\N' : String(batch)
      let stocks = ''
      for (const s of data.stocks) {
        warehouses.set(s.warehouse.externalId, s.warehouse)
        stocks += `${m}\t${field(s.skuExternalId)}\t${field(s.warehouse.externalId)}\t${int(s.quantity)}\t${int(s.reserved)}\t${int(s.inWayToClient)}\t${int(s.inWayFromClient)}\t${read}\n`
      }
      let named = ''
      for (const w of warehouses.values()) named += `${m}\t${field(w.externalId)}\t${field(w.name)}\t${field(w.type)}\n`
      await this.copy(raw, 'warehouses', named)
      await this.copy(raw, 'stocks', stocks)
    }
  }

  /** COPY FROM STDIN on PostgreSQL (pg-copy-streams); PGlite takes the same text as a blob at `/dev/blob`. */
  private async copy(raw: SqlExecutor, table: StagingTable, text: string): Promise<void> {
    const columns = TABLES[table]
      .split(', ')
      .map((column) => column.split(' ')[0])
      .join(', ')
    const into = `COPY ${this.names[table]} (${columns}) FROM`
    if (this.kind === 'pglite') {
      // COPY from a "file" needs the superuser PGlite connects as: for this one statement, whose source is the blob
      // and whose target is this attempt's own temporary table, the transaction steps out of the tenant role.
      const tx = raw as unknown as PgliteTransaction
      await tx.query('SET LOCAL ROLE NONE')
      await tx.query(`${into} '/dev/blob'`, [], { blob: new Blob([text]) })
      await tx.query('SET LOCAL ROLE stock_app')
      return
    }
    await pipeline(Readable.from([text]), (raw as unknown as pg.PoolClient).query(copyFrom(`${into} STDIN`)))
  }
}

const SPECIAL = /[\\\t\n\r]/
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** A value in COPY's text format: backslash, tab and line breaks escaped; null as `\N`. */
function field(value: string | null): string {
  if (value === null) return '\\N'
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value
}

/** A text[] literal (every element quoted), then escaped for COPY. */
function arrayField(items: readonly string[]): string {
  return field(`{${items.map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`)
}

/** Marketplaces send integers; anything else is refused by the integer column as the JSON path refused it. */
function int(value: number): string {
  return String(value)
}
