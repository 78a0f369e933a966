import { Type, type Static } from '@sinclair/typebox'
import { MarketplaceType } from '../../schemas.js'

export const WarehouseSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  marketplace_type: MarketplaceType,
  external_id: Type.String(),
  name: Type.String(),
  type: Type.String({ description: '`fbo`: the marketplace’s warehouse; `fbs`: the seller’s' }),
  product_count: Type.Integer({ description: 'Distinct products with stock above zero here' }),
  total_quantity: Type.Integer({ description: 'Units here across all products and sizes' })
})
export type WarehouseSummary = Static<typeof WarehouseSummary>

export const WarehouseList = Type.Object({ items: Type.Array(WarehouseSummary) })
