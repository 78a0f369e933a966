import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { version } from '../../version.js'

/**
 * Swagger UI's own assets, named by where the package is installed rather than found beside its code: the plugin is
 * bundled into dist/ with the rest (loading it and its dependencies file by file cost ~90 ms of every start).
 */
const SWAGGER_UI_ASSETS = path.join(path.dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static')

/**
 * The OpenAPI document is generated from the route schemas (https://github.com/fastify/fastify-swagger),
 * so validation, serialization and documentation cannot drift apart.
 */
async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Stock Tracker API',
        version,
        description: 'Multi-tenant stock tracking for Wildberries and Ozon sellers. Errors are RFC 9457 problem documents.'
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
      }
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) }
  })
  // The plugin's default logo, read from where it is installed for the same reason.
  const logo = { type: 'image/svg+xml', content: await readFile(path.join(SWAGGER_UI_ASSETS, 'logo.svg')) }
  await app.register(swaggerUi, { routePrefix: '/docs', baseDir: SWAGGER_UI_ASSETS, logo, uiConfig: { persistAuthorization: false } })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(openapi, { name: 'openapi' })
