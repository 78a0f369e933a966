import { expect } from 'vitest'
import type { SellerInput } from '../../src/fake-marketplace/sellers.js'
import { registerTenant, type Account, type TestApp } from './app.js'
import { waitFor } from './wait.js'

let keyCounter = 0

/**
 * Signs up a tenant whose Wildberries credentials belong to a new fake seller. The default catalogue is small, with
 * one size in one warehouse per product, so a product's total stock is a single stock row.
 */
export async function tenantWithWildberries(t: TestApp, seller: Partial<SellerInput> = {}): Promise<{ owner: Account; apiKey: string }> {
  keyCounter += 1
  const apiKey = `wb-test-key-${keyCounter}`
  t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 6, sizesPerProduct: 1, sellerWarehouses: 1, fboWarehouses: 0, ...seller })
  const owner = await registerTenant(t.app)
  const res = await t.app.inject({
    method: 'PATCH',
    url: '/api/v1/tenants/me/credentials',
    headers: owner.headers,
    payload: { marketplace_type: 'wildberries', api_key: apiKey }
  })
  expect(res.statusCode, res.body).toBe(200)
  return { owner, apiKey }
}

/** Requests a sync and waits for it to finish; returns the job as GET /sync/jobs/{id} shows it. */
export async function runSync(t: TestApp, owner: Account) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/products/sync', headers: owner.headers })
  expect(res.statusCode, res.body).toBe(202)
  return waitForSync(t, owner, res.json().job_id)
}

/** Waits for a sync job to succeed or fail; returns the job as GET /sync/jobs/{id} shows it. */
export async function waitForSync(t: TestApp, owner: Account, id: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const job = (await t.app.inject({ url: `/api/v1/sync/jobs/${id}`, headers: owner.headers })).json()
      return (job.status === 'succeeded' || job.status === 'failed') && job
    },
    `sync ${id}`,
    timeoutMs
  )
}

/** Changes the tenant through PATCH /tenants/me (name, alert thresholds). */
export async function patchTenant(t: TestApp, owner: Account, payload: object) {
  const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
