import { Type, type Static } from '@sinclair/typebox'
import { bodyCheck, OptionalNullable } from '../http/decode.js'

export const productListResponse = bodyCheck(
  Type.Object({
    result: Type.Object({
      items: Type.Array(Type.Object({ product_id: Type.Number() })),
      last_id: OptionalNullable(Type.String())
    })
  })
)

const ProductInfo = Type.Object({
  id: Type.Number(),
  offer_id: OptionalNullable(Type.String()),
  name: OptionalNullable(Type.String()),
  barcodes: OptionalNullable(Type.Array(Type.String())),
  sku: OptionalNullable(Type.Number()),
  sources: OptionalNullable(Type.Array(Type.Object({ sku: Type.Number() })))
})

export type OzonProductInfo = Static<typeof ProductInfo>

export const productInfoResponse = bodyCheck(Type.Object({ items: Type.Array(ProductInfo) }))

export const warehouseListResponse = bodyCheck(
  Type.Object({ result: Type.Array(Type.Object({ warehouse_id: Type.Number(), name: Type.String() })) })
)

export const fbsStocksResponse = bodyCheck(
  Type.Object({
    result: Type.Array(
      Type.Object({
        sku: Type.Number(),
        present: Type.Number(),
        reserved: Type.Number(),
        warehouse_id: Type.Number()
      })
    )
  })
)

const FboRow = Type.Object({
  sku: Type.Number(),
  free_to_sell_amount: Type.Number(),
  reserved_amount: OptionalNullable(Type.Number()),
  warehouse_name: Type.String()
})

export type OzonFboRow = Static<typeof FboRow>

export const fboStocksResponse = bodyCheck(Type.Object({ result: Type.Object({ rows: Type.Array(FboRow) }) }))
