import { pipeline, Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { ExportRow } from './repository.js'
import { EXPORT_COLUMNS } from './schemas.js'

/**
 * Spreadsheets run a cell that starts with one of these as a formula (CSV injection), and marketplace data such
 * as product names is typed by third parties. A leading quote makes the cell plain text. See
 * https://owasp.org/www-community/attacks/CSV_Injection
 */
const FORMULA_START = /^[=+\-@\t\r]/

export const neutraliseFormula = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text)

function toRecord(row: ExportRow): Record<(typeof EXPORT_COLUMNS)[number], string | number | Date | null> {
  return {
    product_id: row.productId,
    external_id: row.externalId,
    vendor_code: row.vendorCode,
    name: row.name,
    warehouse_external_id: row.warehouseExternalId,
    warehouse_name: row.warehouseName,
    warehouse_type: row.warehouseType,
    quantity: row.quantity,
    reserved: row.reserved,
    in_way_to_client: row.inWayToClient,
    in_way_from_client: row.inWayFromClient,
    updated_at: row.updatedAt
  }
}

/**
 * The rows as a CSV byte stream, produced as the reader consumes it: `rows` is pulled one page at a time, so the
 * export never sits in memory whole. Quoting and escaping are csv-stringify's (RFC 4180); `onError` hears a
 * failure that ends the stream early.
 */
export function csvStream(rows: AsyncIterable<ExportRow>, onError: (error: Error) => void): Readable {
  const records = Readable.from(
    (async function* () {
      for await (const row of rows) yield toRecord(row)
    })()
  )
  const csv = stringify({
    header: true,
    bom: true,
    columns: [...EXPORT_COLUMNS],
    cast: { string: neutraliseFormula, date: (value) => value.toISOString() }
  })
  return pipeline(records, csv, (error) => {
    if (error) onError(error)
  })
}
