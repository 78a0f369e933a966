import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authOf, requestMeta } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, problems } from '../../schemas.js'
import { LoginBody, LogoutQuery, RefreshBody, RegisterBody, TokenResponse } from './schemas.js'

const tags = ['auth']

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Tokens must never be stored by browsers or intermediaries.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.post(
    '/register',
    {
      config: { public: true, rateLimit: app.rateLimits.register },
      schema: {
        tags,
        summary: 'Sign up a company: creates the tenant, its owner and a FREE subscription',
        body: RegisterBody,
        response: { 201: TokenResponse, ...problems(...BODY_ERRORS, 409, 429) }
      }
    },
    async (request, reply) => reply.code(201).send(await app.services.auth.register(requestMeta(request), request.body))
  )

  app.post(
    '/login',
    {
      config: { public: true },
      schema: { tags, summary: 'Log in with email and password', body: LoginBody, response: { 200: TokenResponse, ...problems(...BODY_ERRORS, 401, 429) } }
    },
    async (request) => app.services.auth.login(requestMeta(request), request.body)
  )

  app.post(
    '/refresh',
    {
      config: { public: true, rateLimit: app.rateLimits.refresh },
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new pair (the old one is retired)',
        body: RefreshBody,
        response: { 200: TokenResponse, ...problems(...BODY_ERRORS, 401, 429) }
      }
    },
    async (request) => app.services.auth.refresh(requestMeta(request), request.body.refresh_token)
  )

  app.post(
    '/logout',
    {
      schema: {
        tags,
        summary: 'End sessions of the current user',
        security: BEARER_AUTH,
        querystring: LogoutQuery,
        response: { 204: Type.Null({ description: 'Sessions ended' }), ...problems(...AUTH_ERRORS, 422) }
      }
    },
    async (request, reply) => {
      const scope = request.query.scope ?? 'global'
      await app.services.auth.logout(authOf(request), scope === 'global' ? 'all' : scope)
      return reply.code(204).send(null)
    }
  )
}

export default authRoutes
