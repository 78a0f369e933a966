import { eq, sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { openCache } from '../../src/cache/open.js'
import { products, sessions } from '../../src/db/schema.js'
import { startFakeMarketplace, type FakeMarketplace } from '../../src/fake-marketplace/server.js'
import { setPlan } from '../../src/modules/tenants/repository.js'
import { addMember, bearer, buildTestApp, login, registerTenant, testConfig, type Account, type TestApp } from '../helpers/app.js'
import { seedCatalogue } from '../helpers/catalogue.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

/** A cache is in front of the database unless this run is on PostgreSQL without Redis. */
const cacheExpected = Boolean(process.env.REDIS_URL) || !process.env.DATABASE_URL

const get = (app: FastifyInstance, who: Account, url: string) => app.inject({ url, headers: who.headers })
const productNames = async (app: FastifyInstance, who: Account, query = '') => {
  const res = await get(app, who, `/api/v1/products?limit=100${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ items: Array<{ name: string }> }>().items.map((item) => item.name)
}

async function syncAndWait(app: FastifyInstance, owner: Account) {
  const requested = await app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })
  expect(requested.statusCode, requested.body).toBe(202)
  const deadline = Date.now() + 30_000
  for (;;) {
    const job = (await get(app, owner, `/api/v1/sync/jobs/${requested.json().job_id}`)).json()
    if (job.status === 'succeeded') return
    if (job.status === 'failed' || Date.now() > deadline) throw new Error(`sync ended ${job.status}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let keys = 0
async function sellerWith(app: FastifyInstance, fake: FakeMarketplace, owner: Account, products: number) {
  keys += 1
  const apiKey = `wb-read-after-write-${process.pid}-${keys}`
  fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products, sellerWarehouses: 2, fboWarehouses: 0 })
  const res = await app.inject({ method: 'PATCH', url: '/api/v1/tenants/me/credentials', headers: owner.headers, payload: { marketplace_type: 'wildberries', api_key: apiKey } })
  expect(res.statusCode, res.body).toBe(200)
  return apiKey
}

describe('cached reads in one process', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(() => t.close())

  describe('GET /api/v1/products', () => {
    it.skipIf(!cacheExpected)('should serve a repeated page from the cache', async () => {
      const owner = await registerTenant(t.app)
      await seedCatalogue(t.app.db, owner.tenantId, { products: [{ externalId: 'a', name: 'Original' }] })
      expect(await productNames(t.app, owner)).toEqual(['Original'])
      // Renamed behind the service's back (no invalidation): the next read still comes from the cache.
      await t.app.db.system((tx) => tx.update(products).set({ name: 'Behind the cache' }).where(eq(products.tenantId, owner.tenantId)))
      expect(await productNames(t.app, owner)).toEqual(['Original'])
    })

    it('should show a product’s new threshold in the very next low-stock page', async () => {
      const owner = await registerTenant(t.app)
      const seeded = await seedCatalogue(t.app.db, owner.tenantId, { products: [{ externalId: 'a', name: 'a', stock: [{ warehouse: 'w', quantity: 30 }] }] })
      expect(await productNames(t.app, owner, '&low_stock=true')).toEqual([])
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${seeded.products.a}`, headers: owner.headers, payload: { low_stock_threshold: 50 } })
      expect(res.statusCode, res.body).toBe(200)
      expect(await productNames(t.app, owner, '&low_stock=true')).toEqual(['a'])
    })

    it('should show what a sync merged in the very next page, search and warehouse summary', async () => {
      const owner = await registerTenant(t.app)
      const apiKey = await sellerWith(t.app, t.fake, owner, 2)
      expect(await productNames(t.app, owner)).toEqual([])
      expect((await get(t.app, owner, '/api/v1/warehouses')).json().items).toEqual([])
      await syncAndWait(t.app, owner)
      expect(await productNames(t.app, owner)).toHaveLength(2)
      const warehouses = (await get(t.app, owner, '/api/v1/warehouses')).json().items
      expect(warehouses).toHaveLength(2)
      const searched = await productNames(t.app, owner, `&q=${encodeURIComponent('№3')}`)
      expect(searched).toEqual([])
      t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 3, sellerWarehouses: 2, fboWarehouses: 0 })
      await syncAndWait(t.app, owner)
      expect(await productNames(t.app, owner)).toHaveLength(3)
      expect(await productNames(t.app, owner, `&q=${encodeURIComponent('№3')}`)).toHaveLength(1)
    })
  })

  describe('authentication', () => {
    it('should not accept a remembered session past its expiry', async () => {
      const owner = await registerTenant(t.app)
      // A new session, shortened before anything about it is read (and remembered).
      const tokens = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: owner.email, password: owner.password } })).json()
      const session = { ...owner, accessToken: tokens.access_token, headers: bearer(tokens.access_token) }
      await t.app.db.system((tx) => tx.update(sessions).set({ expiresAt: sql`now() + interval '1.5 seconds'` }).where(eq(sessions.id, sessionOf(session))))
      expect((await get(t.app, session, '/api/v1/tenants/me')).statusCode).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 1_600))
      expect((await get(t.app, session, '/api/v1/tenants/me')).statusCode).toBe(401)
    })
  })
})

const shared = process.env.DATABASE_URL && process.env.REDIS_URL
describe.skipIf(!shared)('cached reads in two processes sharing PostgreSQL and Redis', () => {
  let database: TestDatabase
  let fake: FakeMarketplace
  let a: FastifyInstance
  let b: FastifyInstance
  let config: ReturnType<typeof testConfig>
  beforeAll(async () => {
    database = await createTestDatabase()
    fake = await startFakeMarketplace()
    config = testConfig({ DATABASE_URL: database.url, WB_API_BASE_URL: fake.url, REDIS_KEY_PREFIX: `test:raw:${process.pid}:${Date.now()}:` })
    a = await buildApp(config)
    b = await buildApp(config)
  })
  afterAll(async () => {
    await b.close()
    await a.close()
    await fake.close()
    await database.drop()
  })

  describe('a change through A, the next request through B', () => {
    it('should apply a new role', async () => {
      const owner = await registerTenant(a)
      const admin = await addMember(a, owner, 'admin')
      expect((await get(b, admin, '/api/v1/audit')).statusCode).toBe(200)
      const res = await a.inject({ method: 'PATCH', url: `/api/v1/users/${admin.userId}`, headers: owner.headers, payload: { role: 'viewer' } })
      expect(res.statusCode, res.body).toBe(200)
      expect((await get(b, admin, '/api/v1/audit')).statusCode).toBe(403)
    })

    it('should refuse a removed member', async () => {
      const owner = await registerTenant(a)
      const member = await addMember(a, owner, 'user')
      expect((await get(b, member, '/api/v1/tenants/me')).statusCode).toBe(200)
      expect((await a.inject({ method: 'DELETE', url: `/api/v1/users/${member.userId}`, headers: owner.headers })).statusCode).toBe(204)
      expect((await get(b, member, '/api/v1/tenants/me')).statusCode).toBe(401)
    })

    it('should refuse the access token of a session ended by logout, by ending it from another session, or by a password change', async () => {
      const owner = await registerTenant(a)
      const [second, third] = [await login(a, owner.email), await login(a, owner.email)]
      for (const who of [owner, second, third]) expect((await get(b, who, '/api/v1/tenants/me')).statusCode).toBe(200)
      expect((await a.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=local', headers: second.headers })).statusCode).toBe(204)
      expect((await get(b, second, '/api/v1/tenants/me')).statusCode).toBe(401)
      const ended = await a.inject({ method: 'DELETE', url: `/api/v1/users/me/sessions/${sessionOf(third)}`, headers: owner.headers })
      expect(ended.statusCode, ended.body).toBe(204)
      expect((await get(b, third, '/api/v1/tenants/me')).statusCode).toBe(401)
      const fourth = await login(a, owner.email)
      expect((await get(b, fourth, '/api/v1/tenants/me')).statusCode).toBe(200)
      const changed = await a.inject({
        method: 'POST',
        url: '/api/v1/users/me/password',
        headers: owner.headers,
        payload: { current_password: owner.password, new_password: 'a brand new passphrase 2026' }
      })
      expect(changed.statusCode, changed.body).toBe(204)
      expect((await get(b, fourth, '/api/v1/tenants/me')).statusCode).toBe(401)
      expect((await get(b, owner, '/api/v1/tenants/me')).statusCode).toBe(200)
    })

    it('should refuse the access token of a session ended by the reuse of its refresh token', async () => {
      const owner = await registerTenant(a)
      expect((await get(b, owner, '/api/v1/tenants/me')).statusCode).toBe(200)
      const refresh = (token: string) => a.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } })
      const next = await refresh(owner.refreshToken)
      expect(next.statusCode).toBe(200)
      expect((await get(b, owner, '/api/v1/tenants/me')).statusCode).toBe(200)
      expect((await refresh(owner.refreshToken)).statusCode).toBe(401)
      expect((await get(b, owner, '/api/v1/tenants/me')).statusCode).toBe(401)
    })

    it('should apply a plan set by another program (npm run set-plan) to the rate limit', async () => {
      const owner = await registerTenant(a)
      expect((await get(b, owner, '/api/v1/users/me')).headers['ratelimit-limit']).toBe('600')
      const other = await openCache(config, pino({ level: 'silent' }))
      await other.cache.invalidating(owner.tenantId, () => a.db.system((tx) => setPlan(tx, owner.tenantId, 'pro')))
      await other.close()
      expect((await get(b, owner, '/api/v1/users/me')).headers['ratelimit-limit']).toBe('3000')
    })

    it('should show a threshold change and a sync’s merge in product pages and warehouse summaries', async () => {
      const owner = await registerTenant(a)
      const apiKey = await sellerWith(a, fake, owner, 2)
      expect(await productNames(b, owner)).toEqual([])
      expect((await get(b, owner, '/api/v1/warehouses')).json().items).toEqual([])
      await syncAndWait(a, owner)
      expect(await productNames(b, owner)).toHaveLength(2)
      expect((await get(b, owner, '/api/v1/warehouses')).json().items).toHaveLength(2)
      fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 4, sellerWarehouses: 2, fboWarehouses: 0 })
      await syncAndWait(a, owner)
      expect(await productNames(b, owner)).toHaveLength(4)

      const page = (await get(b, owner, '/api/v1/products?limit=1')).json()
      const lowBefore = await productNames(b, owner, '&low_stock=true')
      const res = await a.inject({ method: 'PATCH', url: `/api/v1/products/${page.items[0].id}`, headers: owner.headers, payload: { low_stock_threshold: 1_000_000 } })
      expect(res.statusCode, res.body).toBe(200)
      const lowAfter = await productNames(b, owner, '&low_stock=true')
      expect(lowAfter.toSorted()).toEqual([...new Set([...lowBefore, page.items[0].name])].toSorted())
    })
  })
})

function sessionOf(who: Account): string {
  return JSON.parse(Buffer.from(who.accessToken.split('.')[1]!, 'base64url').toString()).sid
}
