import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config, WindowLimit } from '../../config/env.js'
import { DomainError } from '../../errors.js'
import { PLAN_NAMES, planLimits, type Plan } from '../../modules/tenants/plans.js'
import { createWindowCounter, type WindowCount, type WindowCounter } from '../../rate-limit/window-counter.js'

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
      /** The API's allowance per tenant and minute by plan, and per address for unauthenticated requests. */
      api: ApiAllowance
    }
  }
}

/**
 * The API's allowance. A verified caller's requests count against its tenant's window (`tenantKey`, `windowMs`),
 * which authentication counts along with its cache lookup; `admit` then answers by the tenant's plan.
 */
export interface ApiAllowance {
  windowMs: number
  tenantKey(tenantId: string): string
  /** Sets the RateLimit headers for a counted request, and throws the 429 once the count is past the plan's allowance. */
  admit(reply: FastifyReply, plan: Plan, hit: WindowCount): void
  /** Counts an unauthenticated request against its address, and answers like `admit`. */
  admitAnonymous(request: FastifyRequest, reply: FastifyReply): Promise<void>
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

/**
 * Sets the draft-standard `RateLimit-Limit/Remaining/Reset` headers (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/),
 * as @fastify/rate-limit's `enableDraftSpec` does, and throws the 429 (a problem document with `Retry-After`) past `max`.
 */
function admit(reply: FastifyReply, max: number, { count, resetMs }: WindowCount): void {
  const resetSeconds = Math.ceil(resetMs / 1000)
  reply.header('ratelimit-limit', max)
  reply.header('ratelimit-remaining', Math.max(0, max - count))
  reply.header('ratelimit-reset', resetSeconds)
  if (count <= max) return
  throw new DomainError('rate_limited', `Too many requests; retry in ${resetSeconds} seconds`, { retryAfterSeconds: Math.max(1, resetSeconds) })
}

function apiAllowance(counter: WindowCounter, settings: Config['rateLimits']): ApiAllowance {
  const { anonymousPerMinute, apiPerMinute } = settings
  const perPlan = Object.fromEntries(PLAN_NAMES.map((plan) => [plan, apiPerMinute[plan] ?? planLimits(plan).apiRequestsPerMinute])) as Record<Plan, number>
  return {
    windowMs: MINUTE_MS,
    // The same keys as the counters @fastify/rate-limit kept for this limit before (its store's prefix is `rl:`).
    tenantKey: (tenantId) => `rl:tenant:${tenantId}`,
    admit: (reply, plan, hit) => admit(reply, perPlan[plan] ?? perPlan.free, hit),
    async admitAnonymous(request, reply) {
      admit(reply, anonymousPerMinute, await counter.hit(`rl:${clientKey(request)}`, MINUTE_MS))
    }
  }
}

/** Counters for every limit, and the route-level limits that routes name in their config. */
async function rateLimits(app: FastifyInstance, opts: { config: Config }) {
  const { register, refresh, authFailures } = opts.config.rateLimits
  const counter = createWindowCounter(app.redis, app.log.child({ component: 'rate-limit' }))
  app.decorate('rateLimits', {
    counter,
    register: routeLimit(register),
    refresh: routeLimit(refresh),
    api: apiAllowance(counter, opts.config.rateLimits),
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
 * The limits that single routes name in their `config.rateLimit` (sign-up, refresh), through
 * https://github.com/fastify/fastify-rate-limit over our counters, for the scope that holds the API routes. Every other
 * route of the scope has the API's allowance (`rateLimits.api`), which the authentication hook applies: a verified
 * caller counts against its tenant's per-minute allowance by plan, anything else (public routes) against its
 * address. Responses carry the draft-standard `RateLimit-Limit/Remaining/Reset` headers; a 429 is a problem document
 * with `Retry-After`.
 */
export const routeRateLimits = fp(
  async function routeRateLimits(api: FastifyInstance) {
    await api.register(rateLimit, {
      global: false,
      hook: 'onRequest',
      enableDraftSpec: true,
      store: storeClass(api.rateLimits.counter),
      errorResponseBuilder: (_request, context) =>
        new DomainError('rate_limited', `Too many requests; retry in ${context.after}`, { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) })
    })
  },
  { name: 'route-rate-limits', dependencies: ['rate-limits'] }
)
