import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'
import { DomainError, forbidden, unauthenticated } from '../../errors.js'
import type { AuthContext, RequestMeta } from '../../modules/auth/context.js'
import { can, type Permission, type Role } from '../../modules/auth/permissions.js'
import { findPrincipal } from '../../modules/auth/repository.js'
import type { Plan } from '../../modules/tenants/plans.js'
import { InvalidTokenError } from '../../security/tokens.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opt out of authentication (sign-up, login, health). Everything else under /api/v1 requires a bearer token. */
    public?: boolean
    /** Permission from the matrix in modules/auth/permissions.ts that the caller's role must hold. */
    permission?: Permission
  }
  interface FastifyRequest {
    auth: AuthContext | null
  }
}

const userAgentOf = (request: FastifyRequest) => {
  const ua = request.headers['user-agent']
  return typeof ua === 'string' ? ua.slice(0, 512) : null
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  return { requestId: String(request.id), ip: request.ip, userAgent: userAgentOf(request) }
}

/**
 * A verified caller. The request's own details are read when something asks for them (audit records do), not for
 * every request: most requests only read, and building them was a fair part of a cached read's work.
 */
class RequestAuthContext implements AuthContext {
  readonly #request: FastifyRequest

  constructor(
    request: FastifyRequest,
    readonly userId: string,
    readonly tenantId: string,
    readonly role: Role,
    readonly sessionId: string,
    readonly plan: Plan,
    readonly startedAt: number
  ) {
    this.#request = request
  }

  get requestId(): string {
    return String(this.#request.id)
  }

  get ip(): string {
    return this.#request.ip
  }

  get userAgent(): string | null {
    return userAgentOf(this.#request)
  }
}

/** The verified caller of a route that is not public; the hook below guarantees it is set. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw unauthenticated()
  return request.auth
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization
  const match = typeof header === 'string' ? /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header) : null
  if (!match?.[1]) throw unauthenticated('A bearer access token is required')
  return match[1]
}

/**
 * Authenticates every non-public route of the scope it is registered in, applies the API's rate limit, then checks
 * the route's permission. The token alone is not trusted for the role: the user and session are looked up on every
 * request, through the tenant's cache. Every write that changes a user, a session or the plan (removing a user,
 * changing a role, ending a session, logging out, changing the password, a reused refresh token, `npm run set-plan`)
 * invalidates the tenant's cache, so it takes effect on the very next request; an ended session's answer (none) is
 * cached too.
 *
 * The rate limit is applied here rather than in a hook of its own because its count goes with the cache lookup:
 * over Redis, the tenant's version and its allowance are one command (`cache.tenantCounting`). A request whose
 * session turns out to have ended takes its hit back, so a dead token never spends its tenant's allowance; it counts
 * against its address instead, like every refused token (`rateLimits.authenticationFailed`). Public routes count
 * against their address, or against their own limit (`config.rateLimit`, applied by `routeRateLimits`).
 */
async function authentication(app: FastifyInstance, opts: { config: Config }) {
  const ttlSeconds = opts.config.cache.ttlSeconds
  const allowance = app.rateLimits.api
  app.decorateRequest('auth', null)
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config
    if (config.public) {
      if (!config.rateLimit) await allowance.admitAnonymous(request, reply)
      return
    }
    const auth = await authenticate(request, reply).catch(async (error: unknown) => {
      // Guessed or stale tokens count against their address; a valid token never touches the counter.
      throw error instanceof DomainError && error.kind === 'unauthenticated' ? await app.rateLimits.authenticationFailed(request, error) : error
    })
    request.auth = auth
    if (config.permission && !can(auth.role, config.permission)) throw forbidden()
  })

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<AuthContext> {
    const startedAt = performance.now()
    const token = bearerToken(request)
    const claims = await app.tokens.verify(token).catch((error: unknown) => {
      if (error instanceof InvalidTokenError) throw unauthenticated('The access token is invalid or expired')
      throw error
    })
    const counterKey = allowance.tenantKey(claims.tenant_id)
    const { cache, counted } = app.cache.tenantCounting(claims.tenant_id, startedAt, counterKey, allowance.windowMs)
    const principal = await cache.wrap(`principal:${claims.sub}:${claims.sid}`, ttlSeconds, () =>
      findPrincipal(app.db, claims.tenant_id, claims.sub, claims.sid)
    )
    if (!principal || principal.sessionExpiresAt <= Date.now()) {
      if (counted) await counted.then(() => app.rateLimits.counter.unhit(counterKey)).catch(() => {})
      throw unauthenticated('The session has ended')
    }
    // The cache counted the hit if it could; if that failed (Redis went away), the counter falls back to memory.
    const hit = counted
      ? await counted.catch(() => app.rateLimits.counter.hit(counterKey, allowance.windowMs))
      : await app.rateLimits.counter.hit(counterKey, allowance.windowMs)
    allowance.admit(reply, principal.plan, hit)
    return new RequestAuthContext(request, claims.sub, claims.tenant_id, principal.role, claims.sid, principal.plan, startedAt)
  }
}

export default fp(authentication, { name: 'authentication', dependencies: ['database', 'security', 'cache', 'rate-limits'] })
