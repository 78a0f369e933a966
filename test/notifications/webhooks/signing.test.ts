import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { generateWebhookSecret, signWebhook } from '../../../src/notifications/webhooks/signing.js'

const body = JSON.stringify({ type: 'stock.low', data: { sku: 'A-1', quantity: 2 } })

describe('generateWebhookSecret', () => {
  it('should return whsec_ followed by base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32)
  })

  it('should return a different secret on every call', () => {
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret())
  })
})

describe('signWebhook', () => {
  it('should produce headers that the standardwebhooks package verifies', () => {
    const secret = generateWebhookSecret()
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] })

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('should produce a signature that fails verification when the body is tampered with', () => {
    const secret = generateWebhookSecret()
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] })

    expect(() => new Webhook(secret).verify(body.replace('2', '200'), headers)).toThrow(/signature/i)
  })

  it('should produce a signature that fails verification with another secret', () => {
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [generateWebhookSecret()] })

    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(/signature/i)
  })

  it('should match the published Standard Webhooks example signature', () => {
    const headers = signWebhook({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']
    })

    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    })
  })

  it('should send the timestamp as whole unix seconds', () => {
    const timestamp = new Date(1_700_000_000_999)
    const headers = signWebhook({ id: 'msg_1', timestamp, body, secrets: [generateWebhookSecret()] })

    expect(headers['webhook-timestamp']).toBe('1700000000')
  })

  it('should list one signature per secret so that either secret verifies during rotation', () => {
    const oldSecret = generateWebhookSecret()
    const newSecret = generateWebhookSecret()
    const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [oldSecret, newSecret] })

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2)
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow()
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow()
  })

  it('should refuse to sign without a secret', () => {
    expect(() => signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [] })).toThrow(/at least one/)
  })

  it.each([
    ['a secret without the whsec_ prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['a secret that is not base64', 'whsec_not*base64!'],
    ['a secret shorter than 24 bytes', 'whsec_' + Buffer.alloc(16, 1).toString('base64')]
  ])('should refuse %s', (_case, secret) => {
    expect(() => signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [secret] })).toThrow(TypeError)
  })

  it('should refuse an empty message id', () => {
    expect(() => signWebhook({ id: '', timestamp: new Date(), body, secrets: [generateWebhookSecret()] })).toThrow(/id/)
  })

  it('should refuse an invalid timestamp', () => {
    expect(() =>
      signWebhook({ id: 'msg_1', timestamp: new Date(Number.NaN), body, secrets: [generateWebhookSecret()] })
    ).toThrow(/timestamp/)
  })
})
