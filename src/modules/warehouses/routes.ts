import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, problems } from '../../schemas.js'
import { WarehouseList } from './schemas.js'

const tags = ['warehouses']

const warehouseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const warehouses = app.services.warehouses

  app.get(
    '/',
    {
      config: { permission: 'products:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'The warehouses holding the tenant’s stock, with how many products and units each holds',
        response: { 200: WarehouseList, ...problems(...AUTH_ERRORS) }
      }
    },
    async (request) => warehouses.list(authOf(request))
  )
}

export default warehouseRoutes
