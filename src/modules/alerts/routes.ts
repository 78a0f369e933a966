import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, problems } from '../../schemas.js'
import { AlertList, AlertQuery } from './schemas.js'

const tags = ['alerts']

const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const alerts = app.services.alerts

  app.get(
    '/',
    {
      config: { permission: 'alerts:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Products that are low or out of stock now, lowest stock first',
        description:
          'States are those of the last sync, re-evaluated at once when a threshold changes. A product is `out` at zero stock and `low` at or ' +
          'below its threshold (its own, or else the tenant’s `low_stock_threshold`) or below the tenant’s `low_stock_days` days of stock.',
        querystring: AlertQuery,
        response: { 200: AlertList, ...problems(...AUTH_ERRORS, 422) }
      }
    },
    async (request) => alerts.list(authOf(request), request.query)
  )
}

export default alertRoutes
