import { Type, type Static } from '@sinclair/typebox'
import { bodyCheck, OptionalNullable } from '../http/decode.js'

export const pingResponse = bodyCheck(Type.Object({ Status: Type.String() }))

const Size = Type.Object({
  chrtID: Type.Number(),
  techSize: OptionalNullable(Type.String()),
  wbSize: OptionalNullable(Type.String()),
  skus: OptionalNullable(Type.Array(Type.String()))
})

const Card = Type.Object({
  nmID: Type.Number(),
  vendorCode: OptionalNullable(Type.String()),
  title: OptionalNullable(Type.String()),
  brand: OptionalNullable(Type.String()),
  subjectName: OptionalNullable(Type.String()),
  sizes: OptionalNullable(Type.Array(Size))
})

export type WildberriesCard = Static<typeof Card>

export const cardsListResponse = bodyCheck(
  Type.Object({
    cards: Type.Array(Card),
    cursor: Type.Object({
      updatedAt: OptionalNullable(Type.String()),
      nmID: OptionalNullable(Type.Number()),
      total: Type.Number()
    })
  })
)

export const warehousesResponse = bodyCheck(Type.Array(Type.Object({ id: Type.Number(), name: Type.String() })))

export const stocksResponse = bodyCheck(
  Type.Object({ stocks: Type.Array(Type.Object({ chrtId: Type.Number(), amount: Type.Number() })) })
)

const StockReportRow = Type.Object({
  chrtId: Type.Number(),
  warehouseId: Type.Number(),
  warehouseName: Type.String(),
  quantity: Type.Number(),
  inWayToClient: OptionalNullable(Type.Number()),
  inWayFromClient: OptionalNullable(Type.Number())
})

export type WildberriesStockReportRow = Static<typeof StockReportRow>

const StockReportItems = Type.Object({ items: Type.Array(StockReportRow) })

/** Whether WB wraps the report in `data` is undocumented, so both shapes are accepted. */
export const stockReportResponse = bodyCheck(Type.Union([StockReportItems, Type.Object({ data: StockReportItems })]))
