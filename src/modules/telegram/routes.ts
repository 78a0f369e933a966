import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, problems } from '../../schemas.js'
import { TelegramChannel, TelegramChannelBody } from './schemas.js'

const tags = ['alerts']

const telegramRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const telegram = app.services.telegram

  app.get(
    '/',
    {
      config: { permission: 'alerts:read' },
      schema: { tags, security: BEARER_AUTH, summary: 'The tenant’s Telegram alert channel (metadata only)', response: { 200: TelegramChannel, ...problems(...AUTH_ERRORS, 404) } }
    },
    async (request) => telegram.get(authOf(request))
  )

  app.put(
    '/',
    {
      config: { permission: 'alerts:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Set the Telegram channel: bot token (checked with getMe, stored encrypted), chat, quiet hours',
        body: TelegramChannelBody,
        response: { 200: TelegramChannel, ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 503) }
      }
    },
    async (request) => telegram.set(authOf(request), request.body)
  )

  app.delete(
    '/',
    {
      config: { permission: 'alerts:manage' },
      schema: { tags, security: BEARER_AUTH, summary: 'Remove the Telegram channel', response: { 204: Type.Null({ description: 'Removed' }), ...problems(...AUTH_ERRORS, 404) } }
    },
    async (request, reply) => {
      await telegram.remove(authOf(request))
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/test',
    {
      config: { permission: 'alerts:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Send a test message to the chat now (quiet hours do not apply)',
        response: { 204: Type.Null({ description: 'Telegram took the message' }), ...problems(...AUTH_ERRORS, 404, 422, 503) }
      }
    },
    async (request, reply) => {
      await telegram.test(authOf(request))
      return reply.code(204).send(null)
    }
  )
}

export default telegramRoutes
