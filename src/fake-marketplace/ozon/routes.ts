import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { take } from '../catalogue.js'
import { speak, type Dialect } from '../dialect.js'
import type { FakeState } from '../state.js'
import {
  decodePosition,
  encodePosition,
  fbsStockRows,
  indexOfProductId,
  indexOfSku,
  infoItem,
  listItem,
  productPage,
  sellerWarehouses,
  stockOnWarehousesPage,
  stocksItem
} from './model.js'

/** gRPC status codes Ozon puts in its error bodies. */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 429: 8, 500: 13 }
const GRPC_UNAVAILABLE = 14

const ozon: Dialect = {
  marketplace: 'ozon',
  apiKeyOf: (request) => headerOf(request.headers['api-key']),
  identify(request, sellers) {
    const apiKey = headerOf(request.headers['api-key'])
    const seller = apiKey ? sellers.get(apiKey) : undefined
    const clientId = headerOf(request.headers['client-id'])
    return seller?.config.marketplace === 'ozon' && seller.config.clientId === clientId ? seller : undefined
  },
  unauthorizedMessage: 'Invalid Api-Key, please check the key and try again',
  forbiddenMessage: 'Api-Key is missing a required role for a method',
  error(_request, reply, status, message) {
    return reply.code(status).send({ code: GRPC_CODES[status] ?? GRPC_UNAVAILABLE, message, details: [] })
  },
  rateLimited(_request, reply, fault) {
    if (fault.retryAfterSeconds !== undefined) reply.header('Retry-After', String(fault.retryAfterSeconds))
    return reply.code(429).send({ code: 8, message: 'You have reached request rate limit per second', details: [] })
  }
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Ozon's gateway takes int64 ids as numbers or as decimal strings. */
const Id = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]+$' })])
const PageLimit = Type.Integer({ minimum: 1, maximum: 1_000 })

const ProductListBody = Type.Object({
  filter: Type.Optional(Type.Object({ visibility: Type.Optional(Type.String()) })),
  last_id: Type.Optional(Type.String()),
  limit: PageLimit
})

// Lookup by offer_id is not modelled; the stock tracker asks by product_id.
const ProductInfoBody = Type.Object({
  product_id: Type.Optional(Type.Array(Id, { maxItems: 1_000 })),
  sku: Type.Optional(Type.Array(Id, { maxItems: 1_000 }))
})

const StocksBody = Type.Object({ filter: Type.Object({}), cursor: Type.Optional(Type.String()), limit: PageLimit })

const FbsStocksBody = Type.Object({ sku: Type.Array(Id, { minItems: 1, maxItems: 500 }) })

const StockOnWarehousesBody = Type.Object({
  limit: PageLimit,
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  warehouse_type: Type.Optional(Type.String())
})

/** The Ozon seller API routes the stock tracker uses. */
export function ozonRoutes(state: FakeState) {
  return async (plugin: FastifyInstance): Promise<void> => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>()
    const sellerOf = speak(scope, ozon, state)

    scope.post('/v3/product/list', { schema: { body: ProductListBody } }, async (request, reply) => {
      const seller = sellerOf(request)
      const { last_id: lastId = '', limit, filter } = request.body
      // The fake has no archived products: removed ones are gone altogether.
      if (filter?.visibility === 'ARCHIVED') return { result: { items: [], total: 0, last_id: '' } }
      const start = decodePosition(lastId)
      if (start === undefined) return ozon.error(request, reply, 400, 'invalid last_id')
      const page = productPage(seller, start, limit)
      return {
        result: {
          items: page.indexes.map((index) => listItem(seller, index)),
          total: seller.catalogue.activeCount,
          last_id: page.lastId
        }
      }
    })

    scope.post('/v3/product/info/list', { schema: { body: ProductInfoBody } }, async (request) => {
      const seller = sellerOf(request)
      const byProduct = (request.body.product_id ?? []).map((id) => indexOfProductId(seller, Number(id)))
      const bySku = (request.body.sku ?? []).map((id) => indexOfSku(seller, Number(id)))
      const indexes = [...byProduct, ...bySku].filter((index) => index !== undefined)
      return { items: indexes.map((index) => infoItem(seller, index)) }
    })

    scope.post('/v4/product/info/stocks', { schema: { body: StocksBody } }, async (request, reply) => {
      const seller = sellerOf(request)
      const start = decodePosition(request.body.cursor ?? '')
      if (start === undefined) return ozon.error(request, reply, 400, 'invalid cursor')
      const indexes = take(seller.catalogue.activeFrom(start), request.body.limit)
      const last = indexes.at(-1)
      return {
        cursor: last === undefined ? '' : encodePosition(last + 1),
        total: seller.catalogue.activeCount,
        items: indexes.map((index) => stocksItem(seller, index))
      }
    })

    scope.post('/v1/product/info/stocks-by-warehouse/fbs', { schema: { body: FbsStocksBody } }, async (request) => {
      const seller = sellerOf(request)
      return { result: fbsStockRows(seller, request.body.sku.map(Number)) }
    })

    scope.post('/v2/analytics/stock_on_warehouses', { schema: { body: StockOnWarehousesBody } }, async (request) => {
      const seller = sellerOf(request)
      return { result: { rows: stockOnWarehousesPage(seller, request.body.offset ?? 0, request.body.limit) } }
    })

    scope.post('/v1/warehouse/list', async (request) => ({ result: sellerWarehouses(sellerOf(request)) }))
  }
}
