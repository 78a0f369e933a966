import type { Forecast, forecastByWarehouse } from '../forecast/days-of-stock.js'
import type { ProductRow, listSkus, listStockLevels } from './repository.js'
import type { ProductDetail, ProductItem } from './schemas.js'

/** Repository rows in the API's shape (snake_case, ISO timestamps). */
export function toProductItem(row: ProductRow): ProductItem {
  return {
    id: row.id,
    marketplace_type: row.marketplaceType as ProductItem['marketplace_type'],
    external_id: row.externalId,
    vendor_code: row.vendorCode,
    name: row.name,
    brand: row.brand,
    category: row.category,
    barcodes: row.barcodes,
    total_stock: row.totalStock,
    days_of_stock: row.daysOfStock,
    low_stock_threshold: row.lowStockThreshold,
    archived: row.archived,
    updated_at: row.updatedAt.toISOString()
  }
}

const figures = (forecast: Forecast) => ({
  sales_per_day: forecast.salesPerDay,
  days_of_stock: forecast.daysOfStock,
  observed_days: forecast.observedDays
})

export interface DetailParts {
  product: ProductRow
  skus: Awaited<ReturnType<typeof listSkus>>
  levels: Awaited<ReturnType<typeof listStockLevels>>
  forecast: ReturnType<typeof forecastByWarehouse>
  method: string
}

export function toProductDetail({ product, skus, levels, forecast, method }: DetailParts): ProductDetail {
  return {
    ...toProductItem(product),
    skus: skus.map((sku) => ({ id: sku.id, external_id: sku.externalId, size: sku.size, barcodes: sku.barcodes })),
    stock: levels.map((level) => ({
      warehouse: { id: level.warehouse.id, external_id: level.warehouse.externalId, name: level.warehouse.name, type: level.warehouse.type },
      sku_id: level.skuId,
      quantity: level.quantity,
      reserved: level.reserved,
      in_way_to_client: level.inWayToClient,
      in_way_from_client: level.inWayFromClient,
      updated_at: level.updatedAt.toISOString()
    })),
    forecast: {
      ...figures(forecast.product),
      window_days: forecast.product.windowDays,
      method,
      warehouses: forecast.warehouses.map((w) => ({ warehouse_id: w.warehouseId, quantity: w.quantity, ...figures(w.forecast) }))
    }
  }
}
