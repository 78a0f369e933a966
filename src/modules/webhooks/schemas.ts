import { Type } from '@sinclair/typebox'
import { Timestamp } from '../../schemas.js'
import { TEST_EVENT, WEBHOOK_EVENTS } from './events.js'

const NullableString = (options: Parameters<typeof Type.String>[0] = {}) => Type.Union([Type.String(options), Type.Null()])
const NullableInteger = (options: Parameters<typeof Type.Integer>[0] = {}) => Type.Union([Type.Integer(options), Type.Null()])
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

export const WebhookEventName = Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e)))
const Events = Type.Array(WebhookEventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true })
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https in production; private and loopback addresses are refused' })
const Description = Type.String({ maxLength: 500 })

export const WebhookEndpoint = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  description: NullableString(),
  events: Type.Array(WebhookEventName),
  enabled: Type.Boolean(),
  disabled_reason: NullableString({ description: 'Why the system disabled the endpoint (410 Gone, or failing for too long)' }),
  failing_since: NullableTimestamp,
  previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], { description: 'After a rotation, the old secret also signs until then' }),
  created_at: Timestamp,
  updated_at: Timestamp
})

export const WebhookEndpointWithSecret = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String({ description: 'The signing secret (whsec_…); shown only in this response' })
})

export const WebhookEndpointList = Type.Object({ items: Type.Array(WebhookEndpoint) })

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false }
)

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'Re-enabling clears disabled_reason' }))
  },
  { additionalProperties: false, minProperties: 1 }
)

export const SecretRotated = Type.Object({
  secret: Type.String({ description: 'The new signing secret; shown only in this response' }),
  previous_secret_expires_at: Timestamp
})

const DeliveryStatus = Type.Union(['pending', 'delivering', 'succeeded', 'failed', 'cancelled'].map((s) => Type.Literal(s)))

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  response_status: NullableInteger(),
  duration_ms: Type.Integer(),
  response_body: Type.String({ description: 'The start of the receiver’s answer' }),
  error: NullableString(),
  attempted_at: Timestamp
})

export const WebhookDelivery = Type.Object({
  id: Type.String({ format: 'uuid' }),
  webhook_id: Type.String({ description: 'The `webhook-id` header: the same on every attempt' }),
  event_type: Type.Union([WebhookEventName, Type.Literal(TEST_EVENT)]),
  status: DeliveryStatus,
  attempts: Type.Integer({ description: 'Attempts in the current round (a redelivery starts a new one)' }),
  next_attempt_at: NullableTimestamp,
  response_status: NullableInteger({ description: 'Of the last attempt' }),
  duration_ms: NullableInteger({ description: 'Of the last attempt' }),
  error: NullableString({ description: 'Of the last attempt' }),
  last_attempt_at: NullableTimestamp,
  created_at: Timestamp
})

export const WebhookDeliveryDetail = Type.Object({
  ...WebhookDelivery.properties,
  payload: Type.Unknown({ description: 'The body that is signed and sent' }),
  attempt_log: Type.Array(DeliveryAttempt)
})

export const WebhookDeliveryList = Type.Object({ items: Type.Array(WebhookDelivery), next_cursor: NullableString() })

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    status: Type.Optional(DeliveryStatus)
  },
  { additionalProperties: false }
)

export const DeliveryParams = Type.Object({ id: Type.String({ format: 'uuid' }), deliveryId: Type.String({ format: 'uuid' }) })
