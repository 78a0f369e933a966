import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERMISSIONS, ROLES, type Permission, type Role } from '../../../src/modules/auth/permissions.js'
import { setPlan } from '../../../src/modules/tenants/repository.js'
import { addMember, registerTenant, uniqueEmail, type Account, type TestApp, TEST_PASSWORD, buildTestApp } from '../../helpers/app.js'
import { seedCatalogue } from '../../helpers/catalogue.js'

let productId: string

/** One representative request per permission; the suite fails if a permission is added without one. */
const REQUESTS: Record<Permission, (who: Account) => InjectOptions> = {
  'tenant:read': () => ({ method: 'GET', url: '/api/v1/tenants/me' }),
  'tenant:update': () => ({ method: 'PATCH', url: '/api/v1/tenants/me', payload: { name: 'Renamed' } }),
  'credentials:manage': () => ({
    method: 'PATCH',
    url: '/api/v1/tenants/me/credentials',
    payload: { marketplace_type: 'wildberries', api_key: 'wb-key-0123456789' }
  }),
  'users:read': () => ({ method: 'GET', url: '/api/v1/users' }),
  'users:manage': () => ({ method: 'POST', url: '/api/v1/users', payload: { email: uniqueEmail('matrix'), password: TEST_PASSWORD, role: 'viewer' } }),
  'sync:run': () => ({ method: 'POST', url: '/api/v1/products/sync' }),
  'sync:read': () => ({ method: 'GET', url: '/api/v1/sync/jobs' }),
  'products:read': () => ({ method: 'GET', url: '/api/v1/products' }),
  'products:update': () => ({ method: 'PATCH', url: `/api/v1/products/${productId}`, payload: { low_stock_threshold: 3 } }),
  'audit:read': () => ({ method: 'GET', url: '/api/v1/audit' }),
  'webhooks:manage': () => ({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'https://93.184.216.34/hooks', events: ['stock.low'] } }),
  'alerts:read': () => ({ method: 'GET', url: '/api/v1/alerts' }),
  'alerts:manage': () => ({ method: 'PATCH', url: '/api/v1/tenants/me', payload: { low_stock_threshold: 5, low_stock_days: 7 } })
}

let t: TestApp
const accounts = {} as Record<Role, Account>

beforeAll(async () => {
  t = await buildTestApp()
  t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey: 'wb-key-0123456789', products: 5 })
  accounts.owner = await registerTenant(t.app)
  // The matrix adds users for every allowed cell; the enterprise plan keeps the user quota out of the way.
  await t.app.db.system((tx) => setPlan(tx, accounts.owner.tenantId, 'enterprise'))
  for (const role of ['admin', 'user', 'viewer'] as const) accounts[role] = await addMember(t.app, accounts.owner, role)
  // Sync requests need stored credentials, or they are refused with 409 whatever the role.
  await t.app.inject({ ...REQUESTS['credentials:manage'](accounts.owner), headers: accounts.owner.headers })
  productId = (await seedCatalogue(t.app.db, accounts.owner.tenantId, { products: [{ externalId: 'matrix' }] })).products.matrix!
})
afterAll(() => t.close())

describe('permission matrix', () => {
  it('should have a request for every permission', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual(Object.keys(PERMISSIONS).sort())
  })

  for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
    for (const role of ROLES) {
      const allowed = (PERMISSIONS[permission] as readonly Role[]).includes(role)
      it(`should ${allowed ? 'allow' : 'forbid'} ${role} to ${permission}`, async () => {
        const who = accounts[role]
        const request = REQUESTS[permission](who)
        const res = await t.app.inject({ ...request, headers: who.headers })
        if (allowed) expect(res.statusCode, res.body).toBeLessThan(300)
        else {
          expect(res.statusCode).toBe(403)
          expect(res.headers['content-type']).toContain('application/problem+json')
        }
      })
    }
  }
})
