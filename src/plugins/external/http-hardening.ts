import compress from '@fastify/compress'
import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'

/** Transport concerns every response shares: CORS, security headers, compression. */
async function httpHardening(app: FastifyInstance, opts: { config: Config }) {
  const { corsOrigins } = opts.config.http
  // Bearer tokens travel in a header, never in cookies, so credentials mode is not needed for any origin.
  await app.register(cors, {
    origin: corsOrigins === '*' ? '*' : corsOrigins,
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['x-request-id', 'www-authenticate', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy', 'location'],
    maxAge: 600
  })
  await app.register(helmet, { global: true })
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] })
}

export default fp(httpHardening, { name: 'http-hardening' })
