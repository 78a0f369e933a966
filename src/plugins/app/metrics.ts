import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'
import { QUEUES } from '../../jobs/queue.js'
import { createMetrics, type Metrics } from '../../metrics/metrics.js'
import { sendProblem } from './problem-details.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function presentsToken(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token))
}

/**
 * Prometheus metrics at `/metrics`, guarded by METRICS_TOKEN when it is set. Every response is timed under its route
 * template (never the raw URL, which would make a series per id).
 */
async function metrics(app: FastifyInstance, opts: { config: Config }) {
  const instruments = createMetrics({
    queueSizes: async () => {
      const boss = await app.boss()
      return Object.fromEntries(await Promise.all(Object.values(QUEUES).map(async (queue) => [queue, await boss.getQueueSize(queue)])))
    },
    dbPool: () => app.db.poolStats(),
    passwordHashesWaiting: () => app.hasher.waiting
  })
  app.decorate('metrics', instruments)
  app.addHook('onResponse', (request, reply, done) => {
    instruments.observeHttp(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  const token = opts.config.metricsToken
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token && !presentsToken(request.headers.authorization, token)) return sendProblem(request, reply, 401, 'A valid metrics token is required')
    return reply.type(instruments.contentType).send(await instruments.render())
  })
}

export default fp(metrics, { name: 'metrics', dependencies: ['database', 'jobs', 'security'] })
