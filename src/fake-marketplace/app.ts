import Fastify, { type FastifyInstance } from 'fastify'
import { controlRoutes } from './control-routes.js'
import { ozonRoutes } from './ozon/routes.js'
import type { FakeState } from './state.js'
import { wildberriesRoutes } from './wildberries/routes.js'

/** Both marketplaces' routes and the control API on one Fastify instance (their paths do not overlap). */
export function buildFakeMarketplaceApp(state: FakeState): FastifyInstance {
  const app = Fastify({
    // A closing fake must not wait for a request that a delay fault is holding on purpose.
    forceCloseConnections: true,
    bodyLimit: 16 * 1024 * 1024
  })
  app.register(wildberriesRoutes(state))
  app.register(ozonRoutes(state))
  app.register(controlRoutes(state))
  app.addHook('onClose', async () => state.close())
  return app
}
