import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, IdParams, problems } from '../../schemas.js'
import type { WebhookEvent } from './events.js'
import type { AttemptRow, EndpointRow, MessageRow } from './repository.js'
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  SecretRotated,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookDeliveryList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret
} from './schemas.js'

const tags = ['webhooks']
const config = { permission: 'webhooks:manage' as const }

const iso = (date: Date | null) => date?.toISOString() ?? null

function toEndpointResponse(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEvent[],
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    failing_since: iso(row.failingSince),
    previous_secret_expires_at: row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? row.previousSecretExpiresAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString()
  }
}

function toDeliveryResponse(row: MessageRow) {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_type: row.eventType as WebhookEvent,
    status: row.status as 'pending',
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    response_status: row.lastResponseStatus,
    duration_ms: row.lastDurationMs,
    error: row.lastError,
    last_attempt_at: iso(row.lastAttemptAt),
    created_at: row.createdAt.toISOString()
  }
}

function toAttemptResponse(row: AttemptRow) {
  return {
    attempt: row.attempt,
    status: row.status as 'succeeded' | 'failed',
    response_status: row.responseStatus,
    duration_ms: row.durationMs,
    response_body: row.responseBody,
    error: row.error,
    attempted_at: row.attemptedAt.toISOString()
  }
}

const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const webhooks = app.services.webhooks

  app.post(
    '/',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Add a webhook endpoint; the signing secret is returned once, here',
        body: CreateWebhookBody,
        response: { 201: WebhookEndpointWithSecret, ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 409) }
      }
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(authOf(request), request.body)
      return reply.code(201).header('location', `/api/v1/webhooks/${endpoint.id}`).send({ ...toEndpointResponse(endpoint), secret })
    }
  )

  app.get(
    '/',
    { config, schema: { tags, security: BEARER_AUTH, summary: 'The tenant’s webhook endpoints', response: { 200: WebhookEndpointList, ...problems(...AUTH_ERRORS) } } },
    async (request) => ({ items: (await webhooks.list(authOf(request))).map(toEndpointResponse) })
  )

  app.get(
    '/:id',
    {
      config,
      schema: { tags, security: BEARER_AUTH, summary: 'One webhook endpoint', params: IdParams, response: { 200: WebhookEndpoint, ...problems(...AUTH_ERRORS, 404, 422) } }
    },
    async (request) => toEndpointResponse(await webhooks.get(authOf(request), request.params.id))
  )

  app.patch(
    '/:id',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Change an endpoint’s URL, events, description or state',
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookEndpoint, ...problems(...AUTH_ERRORS, ...BODY_ERRORS, 404) }
      }
    },
    async (request) => toEndpointResponse(await webhooks.update(authOf(request), request.params.id, request.body))
  )

  app.delete(
    '/:id',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Remove an endpoint and its delivery log',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request, reply) => {
      await webhooks.remove(authOf(request), request.params.id)
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/:id/rotate-secret',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Replace the signing secret (returned once); the old one also signs for 24 hours',
        params: IdParams,
        response: { 200: SecretRotated, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request) => {
      const { secret, previousSecretExpiresAt } = await webhooks.rotateSecret(authOf(request), request.params.id)
      return { secret, previous_secret_expires_at: previousSecretExpiresAt.toISOString() }
    }
  )

  app.post(
    '/:id/test',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Send a webhook.test event to this endpoint through the normal delivery pipeline',
        params: IdParams,
        response: { 202: WebhookDelivery, ...problems(...AUTH_ERRORS, 404, 409, 422) }
      }
    },
    async (request, reply) => reply.code(202).send(toDeliveryResponse(await webhooks.sendTest(authOf(request), request.params.id)))
  )

  app.get(
    '/:id/deliveries',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'The endpoint’s deliveries, newest first, with the outcome of each one’s last attempt',
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: WebhookDeliveryList, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request) => {
      const { items, nextCursor } = await webhooks.deliveries(authOf(request), request.params.id, request.query)
      return { items: items.map(toDeliveryResponse), next_cursor: nextCursor }
    }
  )

  app.get(
    '/:id/deliveries/:deliveryId',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'One delivery with its payload and every attempt',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryDetail, ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request) => {
      const { message, attempts } = await webhooks.delivery(authOf(request), request.params.id, request.params.deliveryId)
      return { ...toDeliveryResponse(message), payload: JSON.parse(message.body) as unknown, attempt_log: attempts.map(toAttemptResponse) }
    }
  )

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      config,
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Send a finished delivery again (same webhook-id and payload), with a fresh retry schedule',
        params: DeliveryParams,
        response: { 202: WebhookDelivery, ...problems(...AUTH_ERRORS, 404, 409, 422) }
      }
    },
    async (request, reply) =>
      reply.code(202).send(toDeliveryResponse(await webhooks.redeliver(authOf(request), request.params.id, request.params.deliveryId)))
  )
}

export default webhookRoutes
