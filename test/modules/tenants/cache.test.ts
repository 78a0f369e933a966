import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.js'
import { noCache } from '../../../src/cache/cache.js'
import { openCache } from '../../../src/cache/open.js'
import { startFakeMarketplace } from '../../../src/fake-marketplace/server.js'
import { setPlan, updateTenant } from '../../../src/modules/tenants/repository.js'
import { buildTestApp, registerTenant, testConfig, type Account, type TestApp } from '../../helpers/app.js'
import { createTestDatabase } from '../../helpers/database.js'

/** A cache is in front of the database unless this run is on PostgreSQL without Redis. */
const cacheExpected = Boolean(process.env.REDIS_URL) || !process.env.DATABASE_URL

let t: TestApp
let keyCounter = 0
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

function newKey() {
  keyCounter += 1
  return `wb-cache-key-${process.pid}-${keyCounter}`
}

const overview = async (app: FastifyInstance, who: Account) => (await app.inject({ url: '/api/v1/tenants/me', headers: who.headers })).json()

async function withCredentials(app: FastifyInstance, owner: Account, apiKey: string) {
  const res = await app.inject({ method: 'PATCH', url: '/api/v1/tenants/me/credentials', headers: owner.headers, payload: { marketplace_type: 'wildberries', api_key: apiKey } })
  expect(res.statusCode, res.body).toBe(200)
}

async function waitForJob(owner: Account, id: string) {
  const deadline = Date.now() + 20_000
  for (;;) {
    const job = (await t.app.inject({ url: `/api/v1/sync/jobs/${id}`, headers: owner.headers })).json()
    if (job.status === 'succeeded' || job.status === 'failed') return job
    if (Date.now() > deadline) throw new Error(`sync ${id} still ${job.status}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('cached GET /api/v1/tenants/me', () => {
  it.skipIf(!cacheExpected)('should serve repeated reads from the cache (none on PostgreSQL without Redis)', async () => {
    expect(t.app.cache).not.toBe(noCache)
    const owner = await registerTenant(t.app)
    await overview(t.app, owner)
    // A change made behind the service's back (no invalidation) stays invisible: the read came from the cache.
    await t.app.db.system((tx) => updateTenant(tx, owner.tenantId, { name: 'Changed behind the cache' }))
    expect((await overview(t.app, owner)).name).toBe('Acme Trading')
  })

  it('should show a rename in the very next read', async () => {
    const owner = await registerTenant(t.app)
    for (const name of ['First', 'Second', 'Third']) {
      await overview(t.app, owner)
      const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload: { name } })
      expect(res.json().name).toBe(name)
      expect((await overview(t.app, owner)).name).toBe(name)
    }
  })

  it('should show stored and removed credentials at once', async () => {
    const owner = await registerTenant(t.app)
    const apiKey = newKey()
    t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 2 })
    expect((await overview(t.app, owner)).credentials).toEqual([])
    await withCredentials(t.app, owner, apiKey)
    expect((await overview(t.app, owner)).credentials).toEqual([expect.objectContaining({ marketplace_type: 'wildberries', status: 'valid' })])
    await t.app.inject({ method: 'DELETE', url: '/api/v1/tenants/me/credentials/wildberries', headers: owner.headers })
    expect((await overview(t.app, owner)).credentials).toEqual([])
  })

  it('should follow a sync from queued to finished, and credentials turning invalid', async () => {
    const owner = await registerTenant(t.app)
    const apiKey = newKey()
    t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 3 })
    await withCredentials(t.app, owner, apiKey)
    await overview(t.app, owner)
    const requested = (await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })).json()
    const during = (await overview(t.app, owner)).sync
    // The worker may already have finished it; either way the overview agrees with the job.
    if (during.active_job_id === null) expect(during.last_success_at).not.toBeNull()
    else expect(during.active_job_id).toBe(requested.job_id)
    const done = await waitForJob(owner, requested.job_id)
    expect((await overview(t.app, owner)).sync).toMatchObject({ active_job_id: null, last_success_at: done.finished_at, last_error: null })

    t.fake.sellers.remove(apiKey)
    const failing = (await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })).json()
    await waitForJob(owner, failing.job_id)
    const after = await overview(t.app, owner)
    expect(after.sync).toMatchObject({ active_job_id: null, last_error: { code: 'credentials_invalid' } })
    expect(after.credentials[0].status).toBe('invalid')
  })

  it('should show a plan changed by another program (the set-plan CLI) at once', async () => {
    const owner = await registerTenant(t.app)
    expect((await overview(t.app, owner)).subscription.plan).toBe('free')
    // With Redis the other program shares the cache's store; in the embedded mode nothing else can open the
    // database while the server runs, so the change goes through the server's own cache.
    const other = t.config.redisUrl ? await openCache(t.config, pino({ level: 'silent' })) : { cache: t.app.cache, close: async () => {} }
    await other.cache.invalidating(owner.tenantId, () => t.app.db.system((tx) => setPlan(tx, owner.tenantId, 'pro')))
    await other.close()
    expect((await overview(t.app, owner)).subscription).toMatchObject({ plan: 'pro', limits: { api_requests_per_minute: 3000 } })
  })
})

const shared = process.env.DATABASE_URL && process.env.REDIS_URL
describe.skipIf(!shared)('two processes sharing PostgreSQL and Redis', () => {
  it('should never serve B a read older than a write through A', async () => {
    const database = await createTestDatabase()
    const fake = await startFakeMarketplace()
    const config = testConfig({ DATABASE_URL: database.url, WB_API_BASE_URL: fake.url, REDIS_KEY_PREFIX: `test:shared:${process.pid}:${Date.now()}:` })
    const a = await buildApp(config)
    const b = await buildApp(config)
    try {
      const owner = await registerTenant(a)
      const apiKey = newKey()
      fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 2 })
      for (const name of ['One', 'Two', 'Three']) {
        await overview(b, owner)
        await a.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload: { name } })
        expect((await overview(b, owner)).name).toBe(name)
      }
      await overview(b, owner)
      await withCredentials(a, owner, apiKey)
      expect((await overview(b, owner)).credentials).toHaveLength(1)
    } finally {
      await b.close()
      await a.close()
      await fake.close()
      await database.drop()
    }
  })
})
