import { Type } from '@sinclair/typebox'

/** The export's columns, in order; the CSV header names them so. */
export const EXPORT_COLUMNS = [
  'product_id',
  'external_id',
  'vendor_code',
  'name',
  'warehouse_external_id',
  'warehouse_name',
  'warehouse_type',
  'quantity',
  'reserved',
  'in_way_to_client',
  'in_way_from_client',
  'updated_at'
] as const

export const StockExport = {
  description: `CSV (UTF-8 with a byte-order mark, for spreadsheets), one row per product and warehouse: ${EXPORT_COLUMNS.join(', ')}`,
  content: { 'text/csv': { schema: Type.String() } }
}
