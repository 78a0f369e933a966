import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, problems } from '../../schemas.js'
import { csvStream } from './csv.js'
import { StockExport } from './schemas.js'

const tags = ['stocks']

const stockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const stocks = app.services.stocks

  app.get(
    '/export',
    {
      config: { permission: 'products:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Download the stock of every product in every warehouse as CSV (streamed)',
        response: { 200: StockExport, ...problems(...AUTH_ERRORS) }
      }
    },
    async (request, reply) => {
      const stream = csvStream(stocks.exportRows(authOf(request)), (error) => request.log.error({ err: error }, 'stock export stopped early'))
      const date = new Date().toISOString().slice(0, 10)
      // The schema types the body as the CSV text it documents; the untyped reply lets the stream of it through.
      const untyped: FastifyReply = reply
      return untyped.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="stock-${date}.csv"`).send(stream)
    }
  )
}

export default stockRoutes
