import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { MarketplaceType, Timestamp } from '../../schemas.js'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Uuid = Type.String({ format: 'uuid' })

export const PRODUCT_SORTS = ['name', 'total_stock', 'days_of_stock', 'updated_at'] as const
export type ProductSortField = (typeof PRODUCT_SORTS)[number]
export type ProductSort = ProductSortField | `-${ProductSortField}`

export const ProductListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The `next_cursor` of the previous page' })),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]*$', description: 'Case-insensitive substring of the name, vendor code or a barcode' })
    ),
    marketplace_type: Type.Optional(MarketplaceType),
    warehouse_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only products with a stock level in this warehouse' })),
    in_stock: Type.Optional(Type.Boolean({ description: 'true: total stock above zero; false: none' })),
    low_stock: Type.Optional(
      Type.Boolean({ description: 'true: the products `GET /alerts` lists — total stock at or below the product’s threshold (the tenant’s when it has none), or fewer days of stock than the tenant’s `low_stock_days`' })
    ),
    archived: Type.Boolean({ default: false, description: 'true: only products the marketplace no longer lists' }),
    sort: Type.Union(
      PRODUCT_SORTS.flatMap((field) => [Type.Literal(field), Type.Literal(`-${field}` as const)]),
      { default: 'name', description: 'A leading `-` sorts descending; products without days of stock come last either way' }
    )
  },
  { additionalProperties: false }
)
export type ProductListQuery = Static<typeof ProductListQuery>

const productItemProperties = {
  id: Uuid,
  marketplace_type: MarketplaceType,
  external_id: Type.String(),
  vendor_code: Nullable(Type.String()),
  name: Type.String(),
  brand: Nullable(Type.String()),
  category: Nullable(Type.String()),
  barcodes: Type.Array(Type.String()),
  total_stock: Type.Integer({ description: 'Units across all warehouses and sizes' }),
  days_of_stock: Nullable(Type.Number({ description: 'Days the stock lasts at the recent rate of sale; null when unknown' })),
  low_stock_threshold: Nullable(Type.Integer({ description: 'The product’s own threshold; null uses the tenant’s' })),
  archived: Type.Boolean(),
  updated_at: Timestamp
}

export const ProductItem = Type.Object(productItemProperties)
export type ProductItem = Static<typeof ProductItem>

export const ProductList = Type.Object({
  items: Type.Array(ProductItem),
  next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' })),
  total: Type.Integer({ description: 'Products matching the filters, on all pages' })
})
export type ProductPage = Static<typeof ProductList>

const ForecastFigures = {
  sales_per_day: Nullable(Type.Number({ description: 'Units sold per in-stock day; null when the history is too short to tell' })),
  days_of_stock: Nullable(Type.Number({ description: 'Stock ÷ sales per day; null unless something sold' })),
  observed_days: Type.Number({ description: 'In-stock days of the window the rate averages over' })
}

export const ProductDetail = Type.Object({
  ...productItemProperties,
  skus: Type.Array(Type.Object({ id: Uuid, external_id: Type.String(), size: Nullable(Type.String()), barcodes: Type.Array(Type.String()) })),
  stock: Type.Array(
    Type.Object({
      warehouse: Type.Object({ id: Uuid, external_id: Type.String(), name: Type.String(), type: Type.String() }),
      sku_id: Uuid,
      quantity: Type.Integer(),
      reserved: Type.Integer(),
      in_way_to_client: Type.Integer(),
      in_way_from_client: Type.Integer(),
      updated_at: Timestamp
    })
  ),
  forecast: Type.Object({
    ...ForecastFigures,
    window_days: Type.Integer(),
    method: Type.String({ description: 'Stock-history decreases over the window, restocks and days at zero stock left out' }),
    warehouses: Type.Array(Type.Object({ warehouse_id: Uuid, quantity: Type.Integer(), ...ForecastFigures }))
  })
})
export type ProductDetail = Static<typeof ProductDetail>

export const UpdateProductBody = Type.Object(
  { low_stock_threshold: Nullable(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'null: use the tenant’s threshold' })) },
  { additionalProperties: false }
)

export const HISTORY_MAX_SPAN_DAYS = 366

export const ProductHistoryQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days before `to`' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    warehouse_id: Type.Optional(Uuid),
    limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })
  },
  { additionalProperties: false }
)
export type ProductHistoryQuery = Static<typeof ProductHistoryQuery>

export const ProductHistory = Type.Object({
  items: Type.Array(
    Type.Object({
      recorded_at: Timestamp,
      warehouse_id: Uuid,
      sku_id: Uuid,
      quantity: Type.Integer(),
      reserved: Type.Integer(),
      in_way_to_client: Type.Integer(),
      in_way_from_client: Type.Integer()
    })
  ),
  truncated: Type.Boolean({ description: 'More rows matched than `limit`; narrow the range to see the older ones' })
})
