import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MultiFernet } from '../../../src/security/fernet.js'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'

// No WEBHOOK_ALLOW_PRIVATE_NETWORKS here: this suite checks the address policy. URLs are IP literals, so no DNS.
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

const PUBLIC_URL = 'https://93.184.216.34/hooks/stock'

/** One request for every route of one endpoint, as any caller would make it. */
function everyEndpointRoute(id: string) {
  const base = `/api/v1/webhooks/${id}`
  const someId = '00000000-0000-4000-8000-000000000000'
  return [
    { method: 'GET' as const, url: base },
    { method: 'PATCH' as const, url: base, payload: { enabled: false } },
    { method: 'DELETE' as const, url: base },
    { method: 'POST' as const, url: `${base}/rotate-secret` },
    { method: 'POST' as const, url: `${base}/test` },
    { method: 'GET' as const, url: `${base}/deliveries` },
    { method: 'GET' as const, url: `${base}/deliveries/${someId}` },
    { method: 'POST' as const, url: `${base}/deliveries/${someId}/redeliver` }
  ]
}

async function createWebhook(owner: Account, body: Record<string, unknown> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: owner.headers,
    payload: { url: PUBLIC_URL, events: ['stock.low', 'stock.out'], ...body }
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json()
}

describe('webhooks', () => {
  describe('POST /api/v1/webhooks', () => {
    it('should create an endpoint and show its secret only in the creation answer', async () => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: owner.headers,
        payload: { url: PUBLIC_URL, events: ['sync.succeeded'], description: 'ERP' }
      })
      expect(res.statusCode, res.body).toBe(201)
      const created = res.json()
      expect(created).toMatchObject({ url: PUBLIC_URL, events: ['sync.succeeded'], description: 'ERP', enabled: true, disabled_reason: null })
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
      expect(res.headers.location).toBe(`/api/v1/webhooks/${created.id}`)

      const one = await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })
      const list = await t.app.inject({ url: '/api/v1/webhooks', headers: owner.headers })
      expect(one.json()).not.toHaveProperty('secret')
      expect(one.body).not.toContain(created.secret.slice(6))
      expect(list.json().items).toEqual([one.json()])

      const [stored] = await t.app.db.tenant(owner.tenantId, async (_tx, raw) =>
        (await raw.query<{ secret_encrypted: string }>('SELECT secret_encrypted FROM webhook_endpoints WHERE id = $1', [created.id])).rows
      )
      expect(stored!.secret_encrypted).not.toContain(created.secret.slice(6))
      expect(MultiFernet.fromEnv(t.config.secrets.encryptionKeys!).decrypt(stored!.secret_encrypted)).toBe(created.secret)
    })

    it.each([
      ['loopback', 'http://127.0.0.1:8080/hook'],
      ['private', 'https://10.1.2.3/hook'],
      ['private', 'https://192.168.0.10/hook'],
      ['link-local', 'http://169.254.169.254/latest/meta-data'],
      ['carrier-grade NAT', 'https://100.64.0.1/hook'],
      ['loopback', 'http://[::ffff:127.0.0.1]/hook'],
      ['unspecified', 'http://0.0.0.0/hook']
    ])('should refuse a %s address (%s) with 422 and the reason', async (label, url) => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url, events: ['stock.low'] } })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors).toEqual([{ field: 'url', message: expect.stringContaining(`${label} address`) }])
      expect((await t.app.inject({ url: '/api/v1/webhooks', headers: owner.headers })).json().items).toEqual([])
    })

    it.each([
      ['a scheme other than http(s)', { url: 'ftp://93.184.216.34/x' }],
      ['credentials in the URL', { url: 'https://user:pass@93.184.216.34/x' }],
      ['an unknown event', { events: ['stock.low', 'order.created'] }],
      ['no events', { events: [] }],
      ['a repeated event', { events: ['stock.low', 'stock.low'] }],
      ['an unknown field', { secret: 'whsec_mine' }]
    ])('should refuse %s with 422', async (_case, body) => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: owner.headers,
        payload: { url: PUBLIC_URL, events: ['stock.low'], ...body }
      })
      expect(res.statusCode, res.body).toBe(422)
    })
  })

  describe('PATCH /api/v1/webhooks/:id', () => {
    it('should change the URL, events and description, and check a new URL like a new endpoint', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${created.id}`, headers: owner.headers, payload })

      const res = await patch({ url: 'https://93.184.216.35/v2', events: ['sync.failed'], description: null })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ url: 'https://93.184.216.35/v2', events: ['sync.failed'], description: null })
      expect((await patch({ url: 'http://127.0.0.1/x' })).statusCode).toBe(422)
      expect((await patch({})).statusCode).toBe(422)
      expect((await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })).json().url).toBe('https://93.184.216.35/v2')
    })

    it('should disable and re-enable an endpoint by hand', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const patch = (enabled: boolean) => t.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${created.id}`, headers: owner.headers, payload: { enabled } })
      expect((await patch(false)).json()).toMatchObject({ enabled: false, disabled_reason: null })
      expect((await patch(true)).json()).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null })
    })
  })

  describe('DELETE /api/v1/webhooks/:id', () => {
    it('should remove the endpoint, then answer 404', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const remove = () => t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })
      expect((await remove()).statusCode).toBe(204)
      expect((await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })).statusCode).toBe(404)
      expect((await remove()).statusCode).toBe(404)
    })
  })

  describe('POST /api/v1/webhooks/:id/rotate-secret', () => {
    it('should return a new secret once and keep the old one signing for 24 hours', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const res = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${created.id}/rotate-secret`, headers: owner.headers })
      expect(res.statusCode).toBe(200)
      const { secret, previous_secret_expires_at } = res.json()
      expect(secret).toMatch(/^whsec_/)
      expect(secret).not.toBe(created.secret)
      const hoursLeft = (Date.parse(previous_secret_expires_at) - Date.now()) / 3_600_000
      expect(hoursLeft).toBeGreaterThan(23.9)
      expect(hoursLeft).toBeLessThanOrEqual(24)
      const endpoint = (await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })).json()
      expect(endpoint.previous_secret_expires_at).toBe(previous_secret_expires_at)
      expect(JSON.stringify(endpoint)).not.toContain(secret.slice(6))
    })
  })

  describe('tenant isolation', () => {
    it('should answer 404 to another tenant on every route and leave the endpoint untouched', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const stranger = await registerTenant(t.app)
      for (const request of everyEndpointRoute(created.id)) {
        const res = await t.app.inject({ ...request, headers: stranger.headers })
        expect(res.statusCode, `${request.method} ${request.url}`).toBe(404)
      }
      expect((await t.app.inject({ url: '/api/v1/webhooks', headers: stranger.headers })).json().items).toEqual([])
      const after = (await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: owner.headers })).json()
      expect(after).toMatchObject({ enabled: true, url: PUBLIC_URL, previous_secret_expires_at: null })
    })
  })

  describe('roles', () => {
    it('should let an admin manage webhooks and forbid users and viewers every route', async () => {
      const owner = await registerTenant(t.app)
      const created = await createWebhook(owner)
      const admin = await addMember(t.app, owner, 'admin')
      expect((await t.app.inject({ url: `/api/v1/webhooks/${created.id}`, headers: admin.headers })).statusCode).toBe(200)
      for (const role of ['user', 'viewer'] as const) {
        const member = await addMember(t.app, owner, role)
        for (const request of [
          { method: 'POST' as const, url: '/api/v1/webhooks', payload: { url: PUBLIC_URL, events: ['stock.low'] } },
          { method: 'GET' as const, url: '/api/v1/webhooks' },
          ...everyEndpointRoute(created.id)
        ]) {
          const res = await t.app.inject({ ...request, headers: member.headers })
          expect(res.statusCode, `${role} ${request.method} ${request.url}`).toBe(403)
        }
      }
    })
  })
})
