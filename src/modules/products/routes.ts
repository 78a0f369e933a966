import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, IdParams, problems } from '../../schemas.js'
import { ProductDetail, ProductHistory, ProductHistoryQuery, ProductList, ProductListQuery, UpdateProductBody } from './schemas.js'

const tags = ['products']

const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const products = app.services.products

  app.get(
    '/',
    {
      config: { permission: 'products:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'The catalogue: filter, search, sort and page through products',
        querystring: ProductListQuery,
        response: { 200: ProductList, ...problems(...AUTH_ERRORS, 422) }
      }
    },
    async (request) => products.list(authOf(request), request.query)
  )

  app.get(
    '/:id',
    {
      config: { permission: 'products:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'A product with its SKUs, stock per warehouse and the days-of-stock forecast behind it',
        params: IdParams,
        response: { 200: ProductDetail, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request) => products.get(authOf(request), request.params.id)
  )

  app.patch(
    '/:id',
    {
      config: { permission: 'products:update' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Set the product’s own low-stock threshold (null: use the tenant’s)',
        params: IdParams,
        body: UpdateProductBody,
        response: { 200: ProductDetail, ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 404) }
      }
    },
    async (request) => products.setThreshold(authOf(request), request.params.id, request.body.low_stock_threshold)
  )

  app.get(
    '/:id/history',
    {
      config: { permission: 'products:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Stock levels over time, newest first (default: the last 30 days; at most 366 days)',
        params: IdParams,
        querystring: ProductHistoryQuery,
        response: { 200: ProductHistory, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request) => products.history(authOf(request), request.params.id, request.query)
  )
}

export default productRoutes
