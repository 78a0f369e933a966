import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config, WindowLimit } from '../../config/env.js'
import { DomainError } from '../../errors.js'
import { planLimits } from '../../modules/tenants/plans.js'
import { createWindowCounter, type WindowCounter } from '../../rate-limit/window-counter.js'

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: {
      /** The counters behind every limit; also used for limits that count only some outcomes (failed logins). */
      counter: WindowCounter
      /** Route-level limits, for a route's `config.rateLimit`. */
      register: RateLimitOptions
      refresh: RateLimitOptions
      /**
       * Counts a request refused by authentication against its address, and gives the error to answer: the 401, or
       * a 429 once the address has failed too often. Only the failing path consults it.
       */
      authenticationFailed(request: FastifyRequest, refusal: DomainError): Promise<DomainError>
    }
  }
}

const MINUTE_MS = 60_000

/** @fastify/rate-limit's store interface over our counters; each route with its own limit counts under its own prefix. */
class CounterStore implements FastifyRateLimitStore {
  constructor(
    private readonly counter: WindowCounter,
    private readonly prefix: string
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    this.counter.hit(this.prefix + key, timeWindow).then(
      ({ count, resetMs }) => callback(null, { current: count, ttl: resetMs }),
      (error: Error) => callback(error)
    )
  }

  /** Called by the plugin with the route's merged options, which carry the route as `routeInfo`. */
  child(options: object): FastifyRateLimitStore {
    const { method, url } = (options as { routeInfo: { method: string; url: string } }).routeInfo
    return new CounterStore(this.counter, `${this.prefix}${method} ${url}:`)
  }
}

function storeClass(counter: WindowCounter): FastifyRateLimitStoreCtor {
  return class extends CounterStore {
    constructor() {
      super(counter, 'rl:')
    }
  }
}

const clientKey = (request: FastifyRequest) => `ip:${normalizeIP(request.ip)}`

function routeLimit(limit: WindowLimit): RateLimitOptions {
  return { max: limit.max, timeWindow: limit.windowMs, keyGenerator: clientKey }
}

/** Counters for every limit, and the route-level limits that routes name in their config. */
async function rateLimits(app: FastifyInstance, opts: { config: Config }) {
  const { register, refresh, authFailures } = opts.config.rateLimits
  const counter = createWindowCounter(app.redis, app.log.child({ component: 'rate-limit' }))
  app.decorate('rateLimits', {
    counter,
    register: routeLimit(register),
    refresh: routeLimit(refresh),
    async authenticationFailed(request: FastifyRequest, refusal: DomainError): Promise<DomainError> {
      const { count, resetMs } = await counter.hit(`authfail:${clientKey(request)}`, authFailures.windowMs)
      if (count <= authFailures.max) return refusal
      return new DomainError('rate_limited', 'Too many requests with a missing or invalid token from this address; try again later', {
        type: 'rate-limited/authentication',
        retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000))
      })
    }
  })
}

export default fp(rateLimits, { name: 'rate-limits', dependencies: ['redis'] })

/**
 * The API's limit (https://github.com/fastify/fastify-rate-limit), for the scope that holds the API routes. It runs as
 * a route-level hook, so after the scope's authentication: a verified caller counts against its tenant's per-minute
 * allowance by plan, anything else (public routes) against its address. Requests that fail authentication are
 * answered before they are counted here; `rateLimits.authenticationFailed` counts those per address instead. A
 * refused token costs a signature check, or a cache lookup (an indexed read on a miss) for a token of an ended
 * session. Responses carry the draft-standard `RateLimit-Limit/Remaining/Reset` headers; a 429 is a problem document
 * with `Retry-After`.
 */
export const apiRateLimit = fp(
  async function apiRateLimit(api: FastifyInstance, opts: { config: Config }) {
    const { anonymousPerMinute, apiPerMinute } = opts.config.rateLimits
    await api.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      enableDraftSpec: true,
      store: storeClass(api.rateLimits.counter),
      keyGenerator: (request) => (request.auth ? `tenant:${request.auth.tenantId}` : clientKey(request)),
      max: (request) => (request.auth ? (apiPerMinute[request.auth.plan] ?? planLimits(request.auth.plan).apiRequestsPerMinute) : anonymousPerMinute),
      timeWindow: MINUTE_MS,
      errorResponseBuilder: (_request, context) =>
        new DomainError('rate_limited', `Too many requests; retry in ${context.after}`, { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) })
    })
  },
  { name: 'api-rate-limit', dependencies: ['rate-limits', 'authentication'] }
)
