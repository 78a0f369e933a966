import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { Config } from '../../config/env.js'
import { closeRedis, connectRedis } from '../../redis/client.js'
import type { CheckState } from './readiness.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when REDIS_URL is not set. */
    redis: Redis | null
  }
}

/** The optional Redis connection. Losing it makes the service slower, never wrong, so readiness reports it as degraded. */
async function redis(app: FastifyInstance, opts: { config: Config }) {
  const url = opts.config.redisUrl
  if (!url) {
    app.decorate('redis', null)
    return
  }
  const client = await connectRedis(url, opts.config.redis, app.log.child({ component: 'redis' }))
  app.decorate('redis', client)
  app.readiness.register('redis', () => client.ping().then((): CheckState => 'ok', (): CheckState => 'degraded'))
  app.addHook('onClose', () => closeRedis(client))
}

export default fp(redis, { name: 'redis', dependencies: ['readiness'] })
