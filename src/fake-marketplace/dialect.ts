import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Fault } from './faults.js'
import type { Seller, SellerRegistry } from './sellers.js'
import type { FakeState } from './state.js'

/** What differs between the marketplaces around the routes: credentials and error shapes. */
export interface Dialect {
  readonly marketplace: 'wildberries' | 'ozon'
  apiKeyOf(request: FastifyRequest): string | undefined
  /** The seller the request's credentials belong to, if they are complete and known. */
  identify(request: FastifyRequest, sellers: SellerRegistry): Seller | undefined
  readonly unauthorizedMessage: string
  readonly forbiddenMessage: string
  /** An error in the marketplace's shape for this route (4xx and 5xx alike). */
  error(request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply
  rateLimited(request: FastifyRequest, reply: FastifyReply, fault: Fault): FastifyReply
}

/** The registered route of a request, e.g. '/api/v3/stocks/:warehouseId'. */
export function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url
}

/**
 * Puts a marketplace's behaviour around every route of `scope`: records the request, checks credentials
 * (401/403), plays injected faults, and answers validation errors in the marketplace's shape. Returns
 * the accessor handlers use to get the authenticated seller.
 */
export function speak(scope: FastifyInstance, dialect: Dialect, state: FakeState): (request: FastifyRequest) => Seller {
  const authenticated = new WeakMap<FastifyRequest, Seller>()

  scope.addHook('preValidation', async (request, reply) => {
    const route = routeOf(request)
    const apiKey = dialect.apiKeyOf(request)
    state.requests.record({
      at: Date.now(),
      marketplace: dialect.marketplace,
      method: request.method,
      path: request.url,
      route,
      apiKey,
      headers: request.headers,
      body: request.body
    })
    const seller = dialect.identify(request, state.sellers)
    if (!seller) return dialect.error(request, reply, 401, dialect.unauthorizedMessage)
    if (seller.config.missingScope) return dialect.error(request, reply, 403, dialect.forbiddenMessage)
    authenticated.set(request, seller)
    const fault = state.faults.take({ route, path: request.url.split('?')[0] ?? request.url, apiKey })
    if (fault) return play(fault, request, reply)
    return undefined
  })

  scope.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    return dialect.error(request, reply, status, status < 500 ? error.message : 'Internal error')
  })

  async function play(fault: Fault, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    switch (fault.kind) {
      case 'rate_limit':
        return dialect.rateLimited(request, reply, fault)
      case 'server_error':
        return dialect.error(request, reply, fault.status ?? 500, 'Internal error')
      case 'malformed':
        return reply.code(200).type('application/json').send('{"truncated": [')
      case 'reset':
        reply.hijack()
        request.raw.socket.destroy()
        return reply
      case 'delay':
        try {
          await delay(fault.delayMs ?? 0, undefined, { signal: state.closing })
        } catch {
          reply.hijack()
          request.raw.socket.destroy()
          return reply
        }
        return undefined
    }
  }

  return (request) => {
    const seller = authenticated.get(request)
    if (!seller) throw new Error(`no authenticated seller on ${routeOf(request)}`)
    return seller
  }
}
