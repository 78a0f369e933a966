import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, IdParams, problems } from '../../schemas.js'
import type { UserRow } from './repository.js'
import { ChangePasswordBody, CreateUserBody, SessionList, UpdateUserBody, User, UserList } from './schemas.js'

const tags = ['users']
const NoContent = Type.Null({ description: 'Done' })

export function toUserResponse(user: UserRow) {
  return {
    id: user.id,
    tenant_id: user.tenantId,
    email: user.email,
    role: user.role,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    last_login_at: user.lastLoginAt?.toISOString() ?? null
  }
}

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const users = app.services.users

  app.get(
    '/me',
    { schema: { tags, security: BEARER_AUTH, summary: 'The current user', response: { 200: Type.Ref(User), ...problems(...AUTH_ERRORS) } } },
    async (request) => toUserResponse(await users.me(authOf(request)))
  )

  app.post(
    '/me/password',
    {
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Change the current user’s password; ends the user’s other sessions',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...problems(...AUTH_ERRORS, ...BODY_ERRORS) }
      }
    },
    async (request, reply) => {
      await users.changePassword(authOf(request), request.body)
      return reply.code(204).send(null)
    }
  )

  app.get(
    '/me/sessions',
    { schema: { tags, security: BEARER_AUTH, summary: 'The current user’s active sessions', response: { 200: SessionList, ...problems(...AUTH_ERRORS) } } },
    async (request) => {
      const sessions = await users.sessions(authOf(request))
      return {
        items: sessions.map((s) => ({
          id: s.id,
          created_at: s.createdAt.toISOString(),
          last_used_at: s.lastUsedAt.toISOString(),
          expires_at: s.expiresAt.toISOString(),
          user_agent: s.userAgent,
          ip: s.ip,
          current: s.current
        }))
      }
    }
  )

  app.delete(
    '/me/sessions/:id',
    {
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'End one of the current user’s sessions',
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request, reply) => {
      await users.endSession(authOf(request), request.params.id)
      return reply.code(204).send(null)
    }
  )

  app.get(
    '/',
    {
      config: { permission: 'users:read' },
      schema: { tags, security: BEARER_AUTH, summary: 'The team', response: { 200: UserList, ...problems(...AUTH_ERRORS) } }
    },
    async (request) => {
      const items = (await users.list(authOf(request))).map(toUserResponse)
      return { items, total: items.length }
    }
  )

  app.post(
    '/',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Add a team member (owner: admin/user/viewer; admin: user/viewer)',
        body: CreateUserBody,
        response: { 201: Type.Ref(User), ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 409) }
      }
    },
    async (request, reply) => reply.code(201).send(toUserResponse(await users.create(authOf(request), request.body)))
  )

  app.patch(
    '/:id',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Change a member’s role (the owner cannot be demoted)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: Type.Ref(User), ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 404) }
      }
    },
    async (request) => toUserResponse(await users.changeRole(authOf(request), request.params.id, request.body.role))
  )

  app.delete(
    '/:id',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Remove a member; their tokens stop working at once',
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request, reply) => {
      await users.remove(authOf(request), request.params.id)
      return reply.code(204).send(null)
    }
  )
}

export default userRoutes
