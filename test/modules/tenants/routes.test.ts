import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MultiFernet } from '../../../src/security/fernet.js'
import { addMember, buildTestApp, registerTenant, type TestApp } from '../../helpers/app.js'

let t: TestApp
const WB_KEY = 'wb-key-0123456789'
beforeAll(async () => {
  t = await buildTestApp()
  t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey: WB_KEY, products: 3 })
  t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey: 'wb-secret-key-ABCDEFGH-7788', products: 3 })
})
afterAll(() => t.close())

const req = (method: 'GET' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

describe('tenants', () => {
  describe('GET /api/v1/tenants/me', () => {
    it('should show the plan with its limits', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('GET', '/api/v1/tenants/me', owner.headers)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({
        id: owner.tenantId,
        marketplace_type: 'wildberries',
        subscription: { plan: 'free', limits: { products: 1000, users: 5, sync_interval_minutes: 60, manual_syncs_per_day: 10 } }
      })
    })

    it('should be readable by a viewer', async () => {
      const owner = await registerTenant(t.app)
      const viewer = await addMember(t.app, owner, 'viewer')
      expect((await req('GET', '/api/v1/tenants/me', viewer.headers)).json().id).toBe(owner.tenantId)
    })
  })

  describe('PATCH /api/v1/tenants/me', () => {
    it('should rename the tenant, accepting company_name as an alias', async () => {
      const owner = await registerTenant(t.app)
      expect((await req('PATCH', '/api/v1/tenants/me', owner.headers, { name: 'New name' })).json().name).toBe('New name')
      expect((await req('PATCH', '/api/v1/tenants/me', owner.headers, { company_name: 'Alias name' })).json().name).toBe('Alias name')
    })

    it('should refuse an empty name and unknown fields with 422', async () => {
      const owner = await registerTenant(t.app)
      expect((await req('PATCH', '/api/v1/tenants/me', owner.headers, { name: '   ' })).statusCode).toBe(422)
      expect((await req('PATCH', '/api/v1/tenants/me', owner.headers, { name: 'x', plan: 'enterprise' })).statusCode).toBe(422)
      expect((await req('GET', '/api/v1/tenants/me', owner.headers)).json().subscription.plan).toBe('free')
    })
  })

  describe('PATCH /api/v1/tenants/me/credentials', () => {
    it('should store the key encrypted and return only metadata', async () => {
      const owner = await registerTenant(t.app)
      const apiKey = 'wb-secret-key-ABCDEFGH-7788'
      const res = await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'wildberries', api_key: apiKey })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ marketplace_type: 'wildberries', api_key_last4: '7788' })
      expect(res.body).not.toContain(apiKey)
      const tenant = await req('GET', '/api/v1/tenants/me', owner.headers)
      expect(tenant.json().credentials).toEqual([expect.objectContaining({ marketplace_type: 'wildberries', api_key_last4: '7788' })])
      expect(tenant.body).not.toContain(apiKey)

      const [stored] = await t.app.db.system(async (_tx, raw) =>
        (await raw.query<{ api_key_encrypted: string }>('SELECT api_key_encrypted FROM marketplace_credentials WHERE tenant_id = $1', [owner.tenantId])).rows
      )
      expect(stored!.api_key_encrypted).not.toContain(apiKey)
      expect(MultiFernet.fromEnv(t.config.secrets.encryptionKeys!).decrypt(stored!.api_key_encrypted)).toBe(apiKey)
    })

    it('should refuse a key the marketplace rejects with 422 and store nothing', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'wildberries', api_key: 'wb-unknown-key-000' })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors[0].field).toBe('api_key')
      expect(res.body).not.toContain('wb-unknown-key-000')
      expect((await req('GET', '/api/v1/tenants/me', owner.headers)).json().credentials).toEqual([])
    })

    it('should store the key as unverified when the marketplace does not answer in time', async () => {
      const owner = await registerTenant(t.app)
      t.fake.faults.add({ route: '/ping', kind: 'delay', delayMs: 5_000, apiKey: WB_KEY })
      const started = Date.now()
      const res = await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'wildberries', api_key: WB_KEY })
      t.fake.faults.clear()
      expect(Date.now() - started).toBeLessThan(4_500)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ status: 'unverified', status_detail: expect.stringContaining('Not verified') })
    })

    it('should require client_id for ozon', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'ozon', api_key: 'ozon-key-12345678' })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors[0].field).toBe('client_id')
    })

    it('should refuse a wrong type for api_key with 422', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'wildberries', api_key: 12345678 })
      expect(res.statusCode).toBe(422)
    })
  })

  describe('DELETE /api/v1/tenants/me/credentials/:marketplace_type', () => {
    it('should remove stored credentials, then answer 404', async () => {
      const owner = await registerTenant(t.app)
      await req('PATCH', '/api/v1/tenants/me/credentials', owner.headers, { marketplace_type: 'wildberries', api_key: WB_KEY })
      expect((await req('DELETE', '/api/v1/tenants/me/credentials/wildberries', owner.headers)).statusCode).toBe(204)
      expect((await req('GET', '/api/v1/tenants/me', owner.headers)).json().credentials).toEqual([])
      expect((await req('DELETE', '/api/v1/tenants/me/credentials/wildberries', owner.headers)).statusCode).toBe(404)
    })

    it('should not touch another tenant’s credentials', async () => {
      const a = await registerTenant(t.app)
      const b = await registerTenant(t.app)
      await req('PATCH', '/api/v1/tenants/me/credentials', a.headers, { marketplace_type: 'wildberries', api_key: WB_KEY })
      expect((await req('DELETE', '/api/v1/tenants/me/credentials/wildberries', b.headers)).statusCode).toBe(404)
      expect((await req('GET', '/api/v1/tenants/me', a.headers)).json().credentials).toHaveLength(1)
    })
  })
})
