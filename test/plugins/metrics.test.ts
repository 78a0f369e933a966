import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../helpers/app.js'
import { runSync } from '../helpers/sync.js'
import { waitFor } from '../helpers/wait.js'

const TOKEN = 'metrics-token-0123456789abcdef'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ METRICS_TOKEN: TOKEN })
})
afterAll(() => t.close())

const scrape = async (app = t.app) => {
  const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.statusCode).toBe(200)
  return res.body
}

/** The value of one series, e.g. `value(text, 'x_total', { kind: 'a' })`; undefined when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = (line: string) =>
    (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))
  const line = text.split('\n').find(matches)
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function syncedTenant(): Promise<Account> {
  const apiKey = `wb-metrics-key-${process.pid}-${Date.now()}`
  t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 4, sellerWarehouses: 1 })
  // The marketplace pushes back once; the client waits and retries, and the 429 shows in the metrics.
  t.fake.faults.add({ route: '/content/v2/get/cards/list', kind: 'rate_limit', apiKey, retryAfterSeconds: 0 })
  const owner = await registerTenant(t.app)
  await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me/credentials', headers: owner.headers, payload: { marketplace_type: 'wildberries', api_key: apiKey } })
  expect((await runSync(t, owner)).status).toBe('succeeded')
  return owner
}

describe('GET /metrics', () => {
  it('should require the token when METRICS_TOKEN is set', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: TOKEN }]) {
      const res = await t.app.inject({ url: '/metrics', headers })
      expect(res.statusCode).toBe(401)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.headers['www-authenticate']).toContain('Bearer')
    }
  })

  it('should be open without METRICS_TOKEN, in the Prometheus text format', async () => {
    const open = await buildTestApp()
    try {
      const res = await open.app.inject('/metrics')
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toContain('text/plain; version=0.0.4')
    } finally {
      await open.close()
    }
  })

  it('should time HTTP requests by route template, method and status', async () => {
    const owner = await registerTenant(t.app)
    const job = '00000000-0000-4000-8000-000000000000'
    await t.app.inject({ url: `/api/v1/sync/jobs/${job}`, headers: owner.headers })
    await t.app.inject({ url: '/api/v1/no-such-route' })
    const text = await scrape()
    expect(value(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/sync/jobs/:id', status_code: '404' })).toBe(1)
    expect(value(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/register', status_code: '201' })).toBeGreaterThanOrEqual(1)
    expect(value(text, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1)
    expect(text).not.toContain(job)
    expect(text).not.toContain('no-such-route')
  })

  it('should count sync attempts, their phases, rows and marketplace requests (429s included), with no tenant or email in any label', async () => {
    const owner = await syncedTenant()
    // The attempt is counted once its transaction has committed, a moment after the job reads succeeded.
    const text = await waitFor(async () => {
      const scraped = await scrape()
      return value(scraped, 'stock_tracker_sync_attempt_duration_seconds_count', { outcome: 'succeeded' }) !== undefined && scraped
    }, 'the sync attempt in the metrics')
    expect(value(text, 'stock_tracker_sync_attempt_duration_seconds_count', { outcome: 'succeeded' })).toBe(1)
    expect(value(text, 'stock_tracker_sync_rows_total', { kind: 'products' })).toBe(4)
    expect(value(text, 'stock_tracker_sync_rows_total', { kind: 'stock' })).toBeGreaterThan(0)
    for (const phase of ['read', 'stage', 'merge', 'forecast', 'finish']) {
      expect(value(text, 'stock_tracker_sync_phase_duration_seconds_count', { phase })).toBe(1)
      expect(value(text, 'stock_tracker_sync_phase_duration_seconds_sum', { phase })).toBeGreaterThan(0)
    }
    const cards = { marketplace: 'wildberries', endpoint: '/content/v2/get/cards/list' }
    expect(value(text, 'stock_tracker_marketplace_request_duration_seconds_count', { ...cards, status: '429' })).toBe(1)
    expect(value(text, 'stock_tracker_marketplace_request_duration_seconds_count', { ...cards, status: '200' })).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(/stock_tracker_marketplace_request_duration_seconds_count\{[^}]*endpoint="\/api\/v3\/stocks\/\{warehouseId\}"/)
    for (const secret of [owner.tenantId, owner.userId, owner.email]) expect(text).not.toContain(secret)
  })

  it('should report queue depth, database pool (on PostgreSQL), webhook deliveries, password hashes waiting and process metrics', async () => {
    t.app.metrics.webhookDeliveries.inc({ outcome: 'delivered' })
    const text = await scrape()
    expect(value(text, 'stock_tracker_queue_depth', { queue: 'tenant-sync' })).toBeGreaterThanOrEqual(0)
    expect(value(text, 'stock_tracker_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1)
    if (t.app.db.kind === 'postgres') expect(value(text, 'stock_tracker_db_pool_connections', { state: 'total' })).toBeGreaterThan(0)
    else expect(text).not.toMatch(/^stock_tracker_db_pool_connections\{/m)
    expect(value(text, 'stock_tracker_password_hashes_waiting')).toBe(0)
    expect(value(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(text).toContain('nodejs_eventloop_lag_seconds')
  })

  it('should keep each app instance’s counts to itself', async () => {
    const other = await buildTestApp()
    try {
      const text = (await other.app.inject('/metrics')).body
      expect(value(text, 'stock_tracker_webhook_deliveries_total', { outcome: 'delivered' })).toBeUndefined()
      expect(value(text, 'http_request_duration_seconds_count', { route: '/api/v1/auth/register' })).toBeUndefined()
    } finally {
      await other.close()
    }
  })
})
