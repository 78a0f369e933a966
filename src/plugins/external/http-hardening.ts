import type { IncomingMessage, ServerResponse } from 'node:http'
import compress from '@fastify/compress'
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { Config } from '../../config/env.js'

/**
 * Helmet's security headers, as its middleware sets them. With no CSP nonces they are the same for every response,
 * so helmet runs once, here, and responses get the result in one call: running its middleware chain on every
 * request cost about a third of a cached read.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()]
  }
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error
  })
  return headers
}

/**
 * How every response may be shared across origins (@fastify/cors options); one set, whichever way it is applied.
 *
 * @example await app.register(fastifyCors, corsOptions(['https://app.example.com']))
 */
export function corsOptions(origins: string[] | '*'): FastifyCorsOptions {
  // Bearer tokens travel in a header, never in cookies, so credentials mode is not needed for any origin.
  return {
    origin: origins,
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['x-request-id', 'www-authenticate', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy', 'location'],
    maxAge: 600
  }
}

/**
 * The CORS headers @fastify/cors gives an actual (non-preflight) request when every origin is allowed: with no
 * credentials and a fixed origin they are the same for every request, so no Vary either.
 */
function anyOriginHeaders(options: FastifyCorsOptions): Record<string, string> {
  const exposed = options.exposedHeaders
  return {
    'access-control-allow-origin': '*',
    ...(exposed && exposed.length > 0 ? { 'access-control-expose-headers': Array.isArray(exposed) ? exposed.join(', ') : exposed } : {})
  }
}

/**
 * Transport concerns every response shares: CORS, security headers, compression.
 *
 * When every origin is allowed (the default), @fastify/cors answers the preflights from a scope of its own (its
 * `OPTIONS *` route), and the headers of actual requests, which never vary then, join the security headers: its
 * hook on every request rebuilt them from its options each time (about 4% of a cached read in a CPU profile). A list of
 * origins needs the plugin on every request (it reflects the caller's origin and sets Vary).
 */
async function httpHardening(app: FastifyInstance, opts: { config: Config }) {
  const { corsOrigins } = opts.config.http
  const cors = corsOptions(corsOrigins)
  const headers = corsOrigins === '*' ? { ...securityHeaders(), ...anyOriginHeaders(cors) } : securityHeaders()
  // Added before the preflights' scope is registered: that scope's routes get only the hooks that exist by then.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
  if (corsOrigins === '*') await app.register(async (preflights) => preflights.register(fastifyCors, cors))
  else await app.register(fastifyCors, cors)
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] })
}

export default fp(httpHardening, { name: 'http-hardening' })
