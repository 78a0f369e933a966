import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Transaction as PgliteTransaction } from '@electric-sql/pglite'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { Database, SqlExecutor } from '../../db/database.js'
import { UUID } from '../../db/prologue.js'
import type { MarketProduct, MarketStock } from '../../marketplaces/types.js'

/** Columns of each staging table, in COPY order. */
const TABLES = {
  products: 'marketplace_type text, external_id text, vendor_code text, name text, brand text, category text, barcodes text[], batch int',
  skus: 'marketplace_type text, product_external_id text, external_id text, size text, barcodes text[], batch int',
  warehouses: 'marketplace_type text, external_id text, name text, type text',
  stocks: 'marketplace_type text, sku_external_id text, warehouse_external_id text, quantity int, reserved int, in_way_to_client int, in_way_from_client int, batch int'
} as const

/**
 * One staging write, as COPY text built while the batch is read: a batch of products with their SKUs, and stock rows.
 * Held as text rather than objects, a batch waiting for its stock calls or its turn to be staged takes a fraction of
 * the memory, and the short-lived objects it is made from are collected young.
 * `batch` numbers the batches in reading order. Its stock rows are the stock of its own SKUs, read for them: a SKU
 * read again in a later batch (its card edited mid-sync) has its stock read again, and the later read replaces this
 * one. `null` is a page of a stock report instead, whose rows for one level add up (e.g. one per region) however the
 * pages split them.
 */
export class StageBatch {
  /** Stock rows added. */
  stockRows = 0
  /** Each table's COPY text, in chunks joined as they are added: flat strings, which the COPY sends one by one. */
  private readonly chunks: Record<Exclude<StagingTable, 'warehouses'>, string[]> = { products: [], skus: [], stocks: [] }
  private readonly warehouseRows = new Map<string, string>()
  private readonly marketplace: string
  private readonly batch: string

  constructor(marketplace: string, batch: number | null) {
    this.marketplace = field(marketplace)
    this.batch = batch === null ? '\\N' : String(batch)
  }

  addProducts(products: Iterable<MarketProduct>): void {
    const m = this.marketplace
    const productLines: string[] = []
    const skuLines: string[] = []
    for (const p of products) {
      const id = field(p.externalId)
      productLines.push(`${m}\t${id}\t${field(p.vendorCode)}\t${field(p.name)}\t${field(p.brand)}\t${field(p.category)}\t${arrayField(p.barcodes)}\t${this.batch}\n`)
      for (const s of p.skus) skuLines.push(`${m}\t${id}\t${field(s.externalId)}\t${field(s.size)}\t${arrayField(s.barcodes)}\t${this.batch}\n`)
    }
    if (productLines.length > 0) this.chunks.products.push(productLines.join(''))
    if (skuLines.length > 0) this.chunks.skus.push(skuLines.join(''))
  }

  addStocks(stocks: readonly MarketStock[]): void {
    if (stocks.length === 0) return
    const m = this.marketplace
    const lines: string[] = []
    for (const s of stocks) {
      const w = s.warehouse
      if (!this.warehouseRows.has(w.externalId)) this.warehouseRows.set(w.externalId, `${m}\t${field(w.externalId)}\t${field(w.name)}\t${field(w.type)}\n`)
      lines.push(`${m}\t${field(s.skuExternalId)}\t${field(w.externalId)}\t${int(s.quantity)}\t${int(s.reserved)}\t${int(s.inWayToClient)}\t${int(s.inWayFromClient)}\t${this.batch}\n`)
    }
    this.chunks.stocks.push(lines.join(''))
    this.stockRows += stocks.length
  }

  /** One table's COPY text, in chunks; none when the batch has no rows for it (warehouses: those its stock rows name). */
  rows(table: StagingTable): string[] {
    return table === 'warehouses' ? (this.warehouseRows.size > 0 ? [[...this.warehouseRows.values()].join('')] : []) : this.chunks[table]
  }
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
 * await db.tenant(tenantId, (_tx, raw) => staging.write(raw, batch))
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

  /** One batch, one COPY per table it has rows for. */
  async write(raw: SqlExecutor, data: StageBatch): Promise<void> {
    for (const table of Object.keys(TABLES) as StagingTable[]) {
      const chunks = data.rows(table)
      if (chunks.length > 0) await this.copy(raw, table, chunks)
    }
  }

  /** COPY FROM STDIN on PostgreSQL (pg-copy-streams), chunk by chunk; PGlite takes the same text as a blob at `/dev/blob`. */
  private async copy(raw: SqlExecutor, table: StagingTable, chunks: string[]): Promise<void> {
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
      await tx.query(`${into} '/dev/blob'`, [], { blob: new Blob(chunks) })
      await tx.query('SET LOCAL ROLE stock_app')
      return
    }
    await pipeline(Readable.from(chunks), (raw as unknown as pg.PoolClient).query(copyFrom(`${into} STDIN`)))
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
