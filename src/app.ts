import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config/env.js'
import type { Database } from './db/database.js'
import alertRoutes from './modules/alerts/routes.js'
import { StockAlertEvent } from './modules/alerts/schemas.js'
import auditRoutes from './modules/audit/routes.js'
import authRoutes from './modules/auth/routes.js'
import healthRoutes from './modules/health/routes.js'
import productRoutes from './modules/products/routes.js'
import stockRoutes from './modules/stocks/routes.js'
import syncRoutes from './modules/sync/routes.js'
import { SyncJob } from './modules/sync/schemas.js'
import telegramRoutes from './modules/telegram/routes.js'
import tenantRoutes from './modules/tenants/routes.js'
import userRoutes from './modules/users/routes.js'
import webhookRoutes from './modules/webhooks/routes.js'
import { User } from './modules/users/schemas.js'
import warehouseRoutes from './modules/warehouses/routes.js'
import authentication from './plugins/app/authentication.js'
import cache from './plugins/app/cache.js'
import database from './plugins/app/database.js'
import jobs from './plugins/app/jobs.js'
import metrics from './plugins/app/metrics.js'
import problemDetails from './plugins/app/problem-details.js'
import rateLimits, { routeRateLimits } from './plugins/app/rate-limit.js'
import readiness from './plugins/app/readiness.js'
import redis from './plugins/app/redis.js'
import security from './plugins/app/security.js'
import { requestLoggerFactory } from './plugins/app/request-logger.js'
import { schemaController } from './plugins/app/serialization.js'
import services from './plugins/app/services.js'
import { validatorCompiler } from './plugins/app/validation.js'
import httpHardening from './plugins/external/http-hardening.js'
import openapi from './plugins/external/swagger.js'
import { ProblemSchema } from './schemas.js'
import { name, version } from './version.js'

const REQUEST_ID = /^[\w.:-]{1,128}$/

/** Paths of log records that may carry secrets; pino replaces them before anything is written. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["api-key"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.api_key',
  '*.apiKey',
  '*.client_id',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.secret',
  '*.bot_token'
]

export function serverOptions(config: Config): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' }
    },
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.http.bodyLimit,
    schemaController,
    trustProxy: config.http.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    connectionTimeout: 30_000,
    keepAliveTimeout: 72_000,
    requestTimeout: 60_000,
    return503OnClosing: true,
    // Creating the embedded database (initdb) and migrating can take several seconds on a busy machine.
    pluginTimeout: 120_000
  }
}

/**
 * The application as a plugin: infrastructure first, then domain services, then routes. Not encapsulated, so
 * the process and the tests see its decorators (`db`, `services`) on the instance they build.
 */
export const app = fp(async function app(instance: FastifyInstance, opts: AppOptions) {
  const { config } = opts
  instance.setValidatorCompiler(validatorCompiler())
  // Only JSON bodies are accepted; anything else (text/plain included) is a 415.
  instance.removeContentTypeParser('text/plain')
  instance.addSchema(ProblemSchema)
  instance.addSchema(User)
  instance.addSchema(SyncJob)
  instance.addSchema(StockAlertEvent)
  instance.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  await instance.register(problemDetails)
  await instance.register(httpHardening, { config })
  await instance.register(openapi)
  await instance.register(database, { config, opening: opts.database })
  await instance.register(readiness)
  await instance.register(redis, { config })
  await instance.register(security, { config })
  await instance.register(jobs, { config })
  await instance.register(metrics, { config })
  await instance.register(cache, { config })
  await instance.register(rateLimits, { config })
  await instance.register(services, { config })

  instance.get('/', { schema: { hide: true } }, async () => ({ name, version, docs: '/docs', openapi: '/openapi.json' }))

  await instance.register(
    async (api) => {
      await api.register(authentication, { config })
      await api.register(routeRateLimits)
      await api.register(healthRoutes, { prefix: '/health' })
      await api.register(authRoutes, { prefix: '/auth' })
      await api.register(userRoutes, { prefix: '/users' })
      await api.register(tenantRoutes, { prefix: '/tenants' })
      await api.register(telegramRoutes, { prefix: '/tenants/me/telegram' })
      await api.register(alertRoutes, { prefix: '/alerts' })
      await api.register(syncRoutes)
      await api.register(productRoutes, { prefix: '/products' })
      await api.register(warehouseRoutes, { prefix: '/warehouses' })
      await api.register(stockRoutes, { prefix: '/stocks' })
      await api.register(auditRoutes, { prefix: '/audit' })
      await api.register(webhookRoutes, { prefix: '/webhooks' })
    },
    { prefix: '/api/v1' }
  )
})

export interface AppOptions {
  config: Config
  /** A database the caller has already begun to open; by default the app opens `config.db` itself. */
  database?: Promise<Database>
}

/** Builds a ready-to-listen (or inject) instance: what the server process and the tests both use. */
export async function buildApp(
  config: Config,
  options: Partial<FastifyServerOptions> = {},
  database?: Promise<Database>
): Promise<FastifyInstance> {
  const instance = Fastify({ ...serverOptions(config), ...options }).withTypeProvider<TypeBoxTypeProvider>()
  await instance.register(app, { config, database })
  await instance.ready()
  return instance
}
