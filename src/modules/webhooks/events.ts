/** The events a webhook endpoint can subscribe to. */
export const WEBHOOK_EVENTS = ['sync.succeeded', 'sync.failed', 'stock.low', 'stock.out', 'credentials.invalid'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** Sent by `POST /webhooks/{id}/test` to that endpoint only, whatever it subscribes to. */
export const TEST_EVENT = 'webhook.test'

export type MessageStatus = 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled'
