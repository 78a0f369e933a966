import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { routeOf, speak, type Dialect } from '../dialect.js'
import type { FakeState } from '../state.js'
import {
  cardsPage,
  indexAfterCursor,
  isKnownChrtId,
  sellerStockAmount,
  sellerWarehouseOrdinal,
  sellerWarehouses,
  stockReportPage
} from './model.js'

type Family = 'content' | 'marketplace' | 'analytics'

const ROUTES = {
  ping: '/ping',
  cardsList: '/content/v2/get/cards/list',
  warehouses: '/api/v3/warehouses',
  stocks: '/api/v3/stocks/:warehouseId',
  stockReport: '/api/analytics/v1/stocks-report/wb-warehouses'
} as const

/** API family (error body shape) and documented burst (rate-limit headers) of each route. */
const ROUTE_FAMILY: Record<string, { family: Family; burst: number }> = {
  [ROUTES.ping]: { family: 'content', burst: 3 },
  [ROUTES.cardsList]: { family: 'content', burst: 5 },
  [ROUTES.warehouses]: { family: 'marketplace', burst: 20 },
  [ROUTES.stocks]: { family: 'marketplace', burst: 20 },
  [ROUTES.stockReport]: { family: 'analytics', burst: 1 }
}

const MARKETPLACE_CODES: Record<number, string> = { 400: 'IncorrectRequest', 403: 'AccessDenied', 404: 'NotFound' }

function familyOf(request: FastifyRequest) {
  return ROUTE_FAMILY[routeOf(request)] ?? { family: 'analytics', burst: 1 }
}

function problem(request: FastifyRequest, status: number, detail: string) {
  const statusText = STATUS_CODES[status] ?? 'Error'
  return {
    title: statusText.toLowerCase(),
    detail,
    code: statusText.toUpperCase().replaceAll(' ', '_'),
    requestId: String(request.id),
    origin: 's2s-api-auth-catalog',
    status,
    statusText,
    timestamp: new Date().toISOString()
  }
}

const wildberries: Dialect = {
  marketplace: 'wildberries',
  apiKeyOf: (request) => request.headers.authorization,
  identify(request, sellers) {
    const token = request.headers.authorization
    const seller = token ? sellers.get(token) : undefined
    return seller?.config.marketplace === 'wildberries' ? seller : undefined
  },
  unauthorizedMessage: 'token problem; token is malformed: could not decode token',
  forbiddenMessage: 'Access denied',
  error(request, reply, status, message) {
    const { family } = familyOf(request)
    reply.code(status)
    // 401 and 5xx come from WB's gateway (problem+json); other errors from the API behind it.
    if (status === 401 || status >= 500 || family === 'analytics') {
      return reply.type('application/problem+json').send(problem(request, status, message))
    }
    if (family === 'content') return reply.send({ data: null, error: true, errorText: message, additionalErrors: null })
    return reply.send({ code: MARKETPLACE_CODES[status] ?? 'InternalError', message, data: null })
  },
  rateLimited(request, reply, fault) {
    const { burst } = familyOf(request)
    const retry = fault.retryAfterSeconds ?? 2
    return reply
      .code(429)
      .header('X-Ratelimit-Retry', String(retry))
      .header('X-Ratelimit-Reset', String(retry * burst))
      .header('X-Ratelimit-Limit', String(burst))
      .type('application/problem+json')
      .send(problem(request, 429, 'limited by c122a060-a7fb-4bb4-abb0-32fd4e18d489'))
  }
}

const CardsListBody = Type.Object({
  settings: Type.Object({
    cursor: Type.Object({
      limit: Type.Integer({ minimum: 1, maximum: 100 }),
      updatedAt: Type.Optional(Type.String()),
      nmID: Type.Optional(Type.Integer())
    }),
    sort: Type.Optional(Type.Object({ ascending: Type.Optional(Type.Boolean()) })),
    filter: Type.Optional(Type.Object({}))
  })
})

const StocksBody = Type.Object({ chrtIds: Type.Array(Type.Integer(), { minItems: 1, maxItems: 1_000 }) })

// The report's nmIds/chrtIds filters are not modelled: the fake always reports the whole catalogue.
const StockReportBody = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 }))
})

/** The Wildberries seller API routes the stock tracker uses, all families on one host. */
export function wildberriesRoutes(state: FakeState) {
  return async (plugin: FastifyInstance): Promise<void> => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>()
    const sellerOf = speak(scope, wildberries, state)

    scope.addHook('onSend', async (request, reply: FastifyReply) => {
      // WB omits the header on 429; the fake does not enforce limits, so "one less than the burst".
      if (reply.statusCode !== 429) reply.header('X-Ratelimit-Remaining', String(familyOf(request).burst - 1))
    })

    scope.get(ROUTES.ping, async () => ({ TS: new Date().toISOString(), Status: 'OK' }))

    scope.post(ROUTES.cardsList, { schema: { body: CardsListBody } }, async (request) => {
      const seller = sellerOf(request)
      const { limit, updatedAt, nmID } = request.body.settings.cursor
      const start = updatedAt !== undefined && nmID !== undefined ? indexAfterCursor(seller, updatedAt, nmID) : 0
      const cards = cardsPage(seller, start, limit)
      const last = cards.at(-1)
      return {
        cards,
        cursor: { updatedAt: last?.updatedAt ?? updatedAt, nmID: last?.nmID ?? nmID, total: cards.length }
      }
    })

    scope.get(ROUTES.warehouses, async (request) => sellerWarehouses(sellerOf(request)))

    scope.post(
      ROUTES.stocks,
      { schema: { params: Type.Object({ warehouseId: Type.String() }), body: StocksBody } },
      async (request, reply) => {
        const seller = sellerOf(request)
        const ordinal = sellerWarehouseOrdinal(seller, Number(request.params.warehouseId))
        if (ordinal === undefined) return wildberries.error(request, reply, 404, 'Склад не найден')
        const stocks = request.body.chrtIds
          .filter((chrtID) => isKnownChrtId(seller, chrtID))
          .map((chrtID) => ({ chrtId: chrtID, amount: sellerStockAmount(seller, chrtID, ordinal) }))
        return { stocks }
      }
    )

    scope.post(ROUTES.stockReport, { schema: { body: StockReportBody } }, async (request) => {
      const seller = sellerOf(request)
      const items = stockReportPage(seller, request.body.offset ?? 0, request.body.limit ?? 250_000)
      return seller.config.wrapStockReport ? { data: { items } } : { items }
    })
  }
}
