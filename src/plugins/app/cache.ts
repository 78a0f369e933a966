import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Cache } from '../../cache/cache.js'
import { createCache } from '../../cache/open.js'
import type { Config } from '../../config/env.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-tenant read cache; see src/cache/cache.ts for how writes keep it fresh. */
    cache: Cache
  }
}

async function cache(app: FastifyInstance, opts: { config: Config }) {
  app.decorate('cache', createCache(opts.config, app.redis, app.log.child({ component: 'cache' })))
}

export default fp(cache, { name: 'cache', dependencies: ['redis'] })
