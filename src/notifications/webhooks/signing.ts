import { createHmac, randomBytes } from 'node:crypto'

const SECRET_PREFIX = 'whsec_'
const SECRET_BYTES = 32
// Standard Webhooks asks for 24 to 64 bytes of key material; shorter keys are refused rather than signed with.
const MIN_SECRET_BYTES = 24
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>

/**
 * Creates a new endpoint secret in the Standard Webhooks format.
 *
 * @example
 * generateWebhookSecret() // 'whsec_Zq3…' (32 random bytes, base64)
 */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64')
}

/**
 * Signs a webhook payload per the Standard Webhooks specification (`v1`, HMAC-SHA256 over
 * `{id}.{timestamp}.{body}`). With several secrets (during rotation) the signature header lists one
 * signature per secret, space separated, so receivers holding either secret accept the message.
 *
 * @example
 * const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body: '{"a":1}', secrets: [secret] })
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1735689600', 'webhook-signature': 'v1,K5o…=' }
 */
export function signWebhook(input: { id: string; timestamp: Date; body: string; secrets: string[] }): WebhookHeaders {
  if (input.id === '') throw new TypeError('webhook id must not be empty')
  if (input.secrets.length === 0) throw new TypeError('at least one webhook secret is required')
  const timestamp = Math.floor(input.timestamp.getTime() / 1000)
  if (!Number.isFinite(timestamp)) throw new TypeError('webhook timestamp is not a valid date')

  const signedContent = `${input.id}.${timestamp}.${input.body}`
  const signatures = input.secrets.map(
    (secret) => 'v1,' + createHmac('sha256', decodeSecret(secret)).update(signedContent).digest('base64')
  )
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' ')
  }
}

function decodeSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new TypeError(`webhook secret must start with "${SECRET_PREFIX}"`)
  const encoded = secret.slice(SECRET_PREFIX.length)
  // Buffer.from silently skips invalid characters, so a mangled secret would otherwise sign with a different key.
  if (!BASE64.test(encoded)) throw new TypeError('webhook secret is not valid base64')
  const key = Buffer.from(encoded, 'base64')
  if (key.length < MIN_SECRET_BYTES) throw new TypeError(`webhook secret must hold at least ${MIN_SECRET_BYTES} bytes`)
  return key
}
