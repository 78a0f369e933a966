import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type Account, type TestApp } from '../../helpers/app.js'
import { runSync, tenantWithWildberries } from '../../helpers/sync.js'
import { waitFor } from '../../helpers/wait.js'
import { startReceiver, type Receiver } from '../../notifications/helpers/receiver.js'

// SYNC_RETRY_LIMIT=0 makes the first failed attempt final, so sync.failed comes without waiting for retries.
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', SYNC_RETRY_LIMIT: '0' })
})
afterAll(() => t.close())

const receivers: Receiver[] = []
afterEach(async () => {
  t.fake.faults.clear()
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

async function receiver(): Promise<Receiver> {
  const started = await startReceiver((res) => res.writeHead(204).end())
  receivers.push(started)
  return started
}

async function subscribe(owner: Account, url: string, events: string[]) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url, events } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; secret: string }
}

/** Every delivery of the tenant, once none is pending any more. */
async function settledDeliveries(owner: Account) {
  return waitFor(async () => {
    const rows = await t.app.db.tenant(owner.tenantId, async (_tx, raw) =>
      (await raw.query<{ endpoint_id: string; event_type: string; status: string }>('SELECT endpoint_id, event_type, status FROM webhook_messages')).rows
    )
    return rows.every((r) => r.status !== 'pending' && r.status !== 'delivering') && rows
  }, 'deliveries to settle')
}

const payloads = (hook: Receiver) => hook.requests.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })

describe('sync notifications', () => {
  it('should send sync.succeeded once to each endpoint subscribed to it, and to no other', async () => {
    const { owner } = await tenantWithWildberries(t, { products: 3 })
    const first = await receiver()
    const second = await receiver()
    const other = await receiver()
    const a = await subscribe(owner, first.url, ['sync.succeeded', 'sync.failed'])
    await subscribe(owner, second.url, ['sync.succeeded'])
    await subscribe(owner, other.url, ['sync.failed'])

    const job = await runSync(t, owner)
    expect(job.status).toBe('succeeded')
    await settledDeliveries(owner)
    for (const hook of [first, second]) {
      expect(payloads(hook).filter((p) => p.type === 'sync.succeeded')).toEqual([
        { type: 'sync.succeeded', timestamp: expect.any(String), data: { sync_job_id: job.id, marketplaces: ['wildberries'], products: 3, truncated: false } }
      ])
    }
    expect(other.requests).toHaveLength(0)
    const request = first.requests.find((r) => JSON.parse(r.body).type === 'sync.succeeded')!
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(request.headers[h])]))
    expect(() => new Webhook(a.secret).verify(request.body, headers)).not.toThrow()
  })

  it('should send sync.failed when the final attempt fails', async () => {
    const { owner, apiKey } = await tenantWithWildberries(t, { products: 3 })
    const hook = await receiver()
    await subscribe(owner, hook.url, ['sync.failed', 'sync.succeeded'])
    t.fake.faults.add({ route: '/content/v2/get/cards/list', kind: 'server_error', status: 500, times: 1000, apiKey })

    const job = await runSync(t, owner)
    expect(job.status).toBe('failed')
    await settledDeliveries(owner)
    expect(payloads(hook)).toEqual([{ type: 'sync.failed', timestamp: expect.any(String), data: { sync_job_id: job.id, error: job.error } }])
  })

  it('should send credentials.invalid and sync.failed when the marketplace rejects the key', async () => {
    const { owner, apiKey } = await tenantWithWildberries(t, { products: 3 })
    const hook = await receiver()
    await subscribe(owner, hook.url, ['credentials.invalid', 'sync.failed'])
    t.fake.sellers.remove(apiKey)

    const job = await runSync(t, owner)
    expect(job.error.code).toBe('credentials_invalid')
    await settledDeliveries(owner)
    const byType = Object.fromEntries(payloads(hook).map((p) => [p.type, p.data]))
    expect(Object.keys(byType).sort()).toEqual(['credentials.invalid', 'sync.failed'])
    expect(byType['credentials.invalid']).toEqual({ sync_job_id: job.id, marketplace_type: 'wildberries', detail: expect.any(String) })
  })

  it('should write nothing for a disabled endpoint or another tenant', async () => {
    const { owner } = await tenantWithWildberries(t, { products: 3 })
    const hook = await receiver()
    const endpoint = await subscribe(owner, hook.url, ['sync.succeeded'])
    await t.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers, payload: { enabled: false } })
    const { owner: neighbour } = await tenantWithWildberries(t, { products: 3 })
    const neighbourHook = await receiver()
    await subscribe(neighbour, neighbourHook.url, ['sync.succeeded'])

    await runSync(t, owner)
    expect(await settledDeliveries(owner)).toEqual([])
    expect(await settledDeliveries(neighbour)).toEqual([])
    expect(hook.requests).toHaveLength(0)
    expect(neighbourHook.requests).toHaveLength(0)
  })
})
