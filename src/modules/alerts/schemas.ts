import { Type, type Static } from '@sinclair/typebox'
import { MarketplaceType, Timestamp } from '../../schemas.js'
import { PRODUCTS_PER_EVENT } from './repository.js'

const NullableNumber = (options: Parameters<typeof Type.Number>[0] = {}) => Type.Union([Type.Number(options), Type.Null()])

export const AlertState = Type.Union([Type.Literal('low'), Type.Literal('out')], {
  description: '`out`: no stock left; `low`: at or below the threshold, or fewer days of stock than the tenant’s `low_stock_days`'
})

/** What both the alert list and the stock events say of a product. */
const AlertedProduct = {
  product_id: Type.String({ format: 'uuid' }),
  marketplace_type: MarketplaceType,
  external_id: Type.String(),
  vendor_code: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  state: AlertState,
  total_stock: Type.Integer(),
  threshold: Type.Integer({ description: 'The threshold that applies: the product’s own, or else the tenant’s default' }),
  days_of_stock: NullableNumber()
}

export const Alert = Type.Object({ ...AlertedProduct, sales_per_day: NullableNumber(), since: Timestamp })

export const AlertList = Type.Object({ items: Type.Array(Alert), next_cursor: Type.Union([Type.String(), Type.Null()]) })

export const AlertQuery = Type.Object(
  {
    state: Type.Optional(AlertState),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 }))
  },
  { additionalProperties: false }
)
export type AlertQuery = Static<typeof AlertQuery>

/** The `data` of a `stock.low` or `stock.out` webhook event; in the OpenAPI document's components. */
export const StockAlertEvent = Type.Object(
  {
    sync_job_id: Type.String({ format: 'uuid', description: 'The sync after which the products were found low or out' }),
    products: Type.Array(Type.Object(AlertedProduct), {
      minItems: 1,
      maxItems: PRODUCTS_PER_EVENT,
      description: `Lowest stock first; at most ${PRODUCTS_PER_EVENT}, a sync with more sends several events`
    })
  },
  {
    $id: 'StockAlertEvent',
    description:
      'Data of `stock.low` (products that went from above their threshold to at or below it) and `stock.out` (products that reached zero). ' +
      'Neither repeats for a product until it is restocked above its threshold.'
  }
)
