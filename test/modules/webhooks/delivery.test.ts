import type { ServerResponse } from 'node:http'
import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Database, SqlExecutor } from '../../../src/db/database.js'
import { insertMessageForEndpoint } from '../../../src/modules/webhooks/repository.js'
import { WebhookDispatcher, type DispatchSettings } from '../../../src/modules/webhooks/dispatcher.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { waitFor } from '../../helpers/wait.js'
import { startReceiver, type ReceivedRequest, type Receiver } from '../../notifications/helpers/receiver.js'

// A short retry schedule (1 s, 1 s, 4 s: four attempts) keeps retries observable within a test.
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE_S: '1,1,4' })
})
afterAll(() => t.close())

const receivers: Receiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

/** A receiver answering each request with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: Array<number | [number, Record<string, string>]> = [204]): Promise<Receiver> {
  const started = await startReceiver((res: ServerResponse, _req: ReceivedRequest) => {
    const next = statuses[Math.min(started.requests.length - 1, statuses.length - 1)] ?? 204
    const [status, headers] = Array.isArray(next) ? next : [next, {}]
    res.writeHead(status, headers).end(status >= 300 ? 'not today' : 'ok')
  })
  receivers.push(started)
  return started
}

async function createWebhook(owner: Account, url: string, events = ['sync.succeeded']) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url, events } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; secret: string }
}

async function ping(owner: Account, id: string) {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${id}/test`, headers: owner.headers })
  expect(res.statusCode, res.body).toBe(202)
  return res.json() as { id: string; webhook_id: string; status: string }
}

async function delivery(owner: Account, endpointId: string, deliveryId: string) {
  return (await t.app.inject({ url: `/api/v1/webhooks/${endpointId}/deliveries/${deliveryId}`, headers: owner.headers })).json()
}

function untilSettled(owner: Account, endpointId: string, deliveryId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const d = await delivery(owner, endpointId, deliveryId)
      return ['succeeded', 'failed', 'cancelled'].includes(d.status) && d
    },
    'the delivery to settle',
    timeoutMs
  )
}

/** A message written straight to the outbox with no delivery job, so the test decides who delivers it. */
function unqueuedMessage(owner: Account, endpointId: string, data: object): Promise<string> {
  return t.app.db.tenant(owner.tenantId, (_tx, raw) => insertMessageForEndpoint(raw, owner.tenantId, endpointId, 'webhook.test', data))
}

/** A receiver that holds every answer (204) until `count` requests have arrived, then answers them all at once. */
async function answeringTogether(count: number): Promise<Receiver> {
  const held: ServerResponse[] = []
  const started = await startReceiver((res: ServerResponse) => {
    held.push(res)
    if (held.length === count) for (const r of held.splice(0)) r.writeHead(204).end()
  })
  receivers.push(started)
  return started
}

/**
 * The app's database, counting the transactions opened through it; a statement `refuse` picks fails as the
 * database would fail it.
 */
function watchedDatabase(refuse: (text: string, values?: unknown[]) => boolean = () => false) {
  const watched = { transactions: 0 }
  const database: Database = {
    ...t.app.db,
    tenant: (tenantId, fn) => {
      watched.transactions += 1
      return t.app.db.tenant(tenantId, (tx, raw) => {
        const guarded: SqlExecutor = {
          query: (text, values) => (refuse(text, values) ? Promise.reject(new Error('deadlock detected')) : raw.query(text, values))
        }
        return fn(tx, guarded)
      })
    }
  }
  return { database, watched }
}

const localSettings: DispatchSettings = {
  policy: { requireHttps: false, allowPrivateNetworks: true },
  timeoutMs: 2000,
  retryScheduleSeconds: [60],
  disableAfterSeconds: 3600
}

function dispatcherOver(db: Database, settings: DispatchSettings = localSettings): WebhookDispatcher {
  return new WebhookDispatcher({ db, cipher: t.app.cipher, boss: t.app.boss, settings, log: t.app.log })
}

const headersOf = (request: ReceivedRequest) => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature'])
})

describe('webhook delivery', () => {
  describe('POST /api/v1/webhooks/:id/test', () => {
    it('should deliver a webhook.test event signed so that the standardwebhooks library verifies it', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([200])
      const endpoint = await createWebhook(owner, `${hook.url}/in`)
      const sent = await ping(owner, endpoint.id)
      expect(sent).toMatchObject({ status: 'pending', webhook_id: expect.stringMatching(/^msg_[0-9a-f]{32}$/) })

      const settled = await untilSettled(owner, endpoint.id, sent.id)
      expect(settled).toMatchObject({ status: 'succeeded', attempts: 1, response_status: 200, next_attempt_at: null, error: null })
      expect(hook.requests).toHaveLength(1)
      const [request] = hook.requests
      const payload = new Webhook(endpoint.secret).verify(request!.body, headersOf(request!)) as Record<string, unknown>
      expect(payload).toMatchObject({ type: 'webhook.test', data: { webhook_endpoint_id: endpoint.id } })
      expect(Date.parse(payload.timestamp as string)).not.toBeNaN()
      expect(request!.headers['webhook-id']).toBe(sent.webhook_id)
      expect(settled.payload).toEqual(payload)
      expect(settled.attempt_log).toEqual([expect.objectContaining({ attempt: 1, status: 'succeeded', response_status: 200, response_body: 'ok' })])
    })

    it('should answer 409 for a disabled endpoint', async () => {
      const owner = await registerTenant(t.app)
      const endpoint = await createWebhook(owner, 'http://127.0.0.1:9/never')
      await t.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers, payload: { enabled: false } })
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/test`, headers: owner.headers })).statusCode).toBe(409)
    })
  })

  describe('secret rotation', () => {
    it('should sign with the old and the new secret from the rotation on, and with the new one only after the overlap', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      const rotated = (await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/rotate-secret`, headers: owner.headers })).json()

      await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      const during = hook.requests[1]!
      expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2)
      expect(() => new Webhook(endpoint.secret).verify(during.body, headersOf(during))).not.toThrow()
      expect(() => new Webhook(rotated.secret).verify(during.body, headersOf(during))).not.toThrow()

      await t.app.db.tenant(owner.tenantId, (_tx, raw) =>
        raw.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [endpoint.id])
      )
      await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      const after = hook.requests[2]!
      expect(() => new Webhook(endpoint.secret).verify(after.body, headersOf(after))).toThrow()
      expect(() => new Webhook(rotated.secret).verify(after.body, headersOf(after))).not.toThrow()
    })
  })

  describe('retries', () => {
    it('should retry a failed delivery with the same webhook-id and a fresh signature until it succeeds', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([500, 503, 200])
      const endpoint = await createWebhook(owner, hook.url)
      const sent = await ping(owner, endpoint.id)

      const settled = await untilSettled(owner, endpoint.id, sent.id)
      expect(settled).toMatchObject({ status: 'succeeded', attempts: 3, response_status: 200 })
      expect(settled.attempt_log.map((a: { status: string; response_status: number }) => [a.status, a.response_status])).toEqual([
        ['failed', 500],
        ['failed', 503],
        ['succeeded', 200]
      ])
      expect(settled.attempt_log[0].error).toBe('HTTP 500')
      expect(new Set(hook.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([sent.webhook_id]))
      expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1)
      for (const request of hook.requests) expect(() => new Webhook(endpoint.secret).verify(request.body, headersOf(request))).not.toThrow()
      const endpointNow = (await t.app.inject({ url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers })).json()
      expect(endpointNow.failing_since).toBeNull()
    })

    it('should wait as long as Retry-After asks when that is longer than the schedule', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([[429, { 'retry-after': '3' }], 204])
      const times: number[] = []
      const original = hook.requests.push.bind(hook.requests)
      hook.requests.push = (...items) => {
        times.push(Date.now())
        return original(...items)
      }
      const endpoint = await createWebhook(owner, hook.url)
      const settled = await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      expect(settled).toMatchObject({ status: 'succeeded', attempts: 2 })
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2900)
    })

    it('should give up once the schedule is exhausted', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([500])
      const endpoint = await createWebhook(owner, hook.url)
      const settled = await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id, 30_000)
      expect(settled).toMatchObject({ status: 'failed', attempts: 4, next_attempt_at: null, response_status: 500 })
      expect(hook.requests).toHaveLength(4)
      const endpointNow = (await t.app.inject({ url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers })).json()
      expect(endpointNow).toMatchObject({ enabled: true, failing_since: expect.any(String) })
    }, 40_000)
  })

  describe('disabling', () => {
    async function auditDisabled(owner: Account, endpointId: string) {
      return t.app.db.tenant(owner.tenantId, async (_tx, raw) =>
        (await raw.query<{ details: { reason: string } }>(`SELECT details FROM audit_events WHERE action = 'webhook.disabled' AND target_id = $1`, [endpointId])).rows
      )
    }

    it('should disable the endpoint when the receiver answers 410 Gone, and tell why', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([410])
      const endpoint = await createWebhook(owner, hook.url)
      const settled = await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      expect(settled).toMatchObject({ status: 'failed', attempts: 1, response_status: 410 })
      const endpointNow = (await t.app.inject({ url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers })).json()
      expect(endpointNow).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('410') })
      expect(await auditDisabled(owner, endpoint.id)).toEqual([{ details: { reason: endpointNow.disabled_reason } }])
      expect(hook.requests).toHaveLength(1)

      const enabled = await t.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers, payload: { enabled: true } })
      expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null })
    })

    it('should disable an endpoint whose deliveries have failed for longer than the limit', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([500])
      const endpoint = await createWebhook(owner, hook.url)
      await t.app.db.tenant(owner.tenantId, (_tx, raw) =>
        raw.query(`UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [endpoint.id])
      )
      const settled = await untilSettled(owner, endpoint.id, (await ping(owner, endpoint.id)).id)
      expect(settled).toMatchObject({ status: 'failed', attempts: 1 })
      const endpointNow = (await t.app.inject({ url: `/api/v1/webhooks/${endpoint.id}`, headers: owner.headers })).json()
      expect(endpointNow).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/^Every delivery has failed since /) })
      expect(await auditDisabled(owner, endpoint.id)).toHaveLength(1)
    })
  })

  describe('GET /api/v1/webhooks/:id/deliveries', () => {
    it('should list deliveries newest first, filter by status and page with a cursor', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      const ids: string[] = []
      for (let i = 0; i < 3; i += 1) {
        const sent = await ping(owner, endpoint.id)
        ids.push(sent.id)
        await untilSettled(owner, endpoint.id, sent.id)
      }
      const list = (query: string) => t.app.inject({ url: `/api/v1/webhooks/${endpoint.id}/deliveries${query}`, headers: owner.headers })
      const first = (await list('?limit=2')).json()
      expect(first.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]])
      expect(first.items[0]).toMatchObject({ event_type: 'webhook.test', status: 'succeeded', attempts: 1, response_status: 204 })
      expect(first.items[0].duration_ms).toBeGreaterThanOrEqual(0)
      const second = (await list(`?limit=2&cursor=${first.next_cursor}`)).json()
      expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null })
      expect((await list('?status=failed')).json().items).toEqual([])
      expect((await list('?cursor=garbage')).statusCode).toBe(422)
    })
  })

  describe('POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver', () => {
    it('should send a finished delivery again with the same webhook-id and body', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      const sent = await ping(owner, endpoint.id)
      await untilSettled(owner, endpoint.id, sent.id)

      const res = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/deliveries/${sent.id}/redeliver`, headers: owner.headers })
      expect(res.statusCode, res.body).toBe(202)
      expect(res.json()).toMatchObject({ id: sent.id, status: 'pending', attempts: 0 })
      await waitFor(() => hook.requests.length === 2, 'the redelivery')
      expect(hook.requests[1]!.headers['webhook-id']).toBe(sent.webhook_id)
      expect(hook.requests[1]!.body).toBe(hook.requests[0]!.body)
      const settled = await untilSettled(owner, endpoint.id, sent.id)
      expect(settled.attempt_log).toHaveLength(2)
    })

    it('should answer 409 while the delivery is still pending and 404 for an unknown one', async () => {
      const owner = await registerTenant(t.app)
      const endpoint = await createWebhook(owner, 'http://127.0.0.1:9/closed')
      const message = await unqueuedMessage(owner, endpoint.id, { queued: 'without a job' })
      const redeliver = (id: string) =>
        t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/deliveries/${id}/redeliver`, headers: owner.headers })
      expect((await redeliver(message)).statusCode).toBe(409)
      expect((await redeliver('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404)
    })
  })

  describe('WebhookDispatcher', () => {
    it('should deliver a message once however many workers take its job at the same time', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      const messageId = await unqueuedMessage(owner, endpoint.id, { race: true })
      const job = { tenantId: owner.tenantId, messageId }
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => t.app.services.webhookDispatcher.deliver(job)))
      expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(5)
      expect(hook.requests).toHaveLength(1)
      expect(await t.app.services.webhookDispatcher.deliver(job)).toBe('skipped')
    })

    it('should check the address again at delivery time and refuse a private one', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      const messageId = await unqueuedMessage(owner, endpoint.id, { strict: true })
      const strict = dispatcherOver(t.app.db, { ...localSettings, policy: { requireHttps: false, allowPrivateNetworks: false } })
      expect(await strict.deliver({ tenantId: owner.tenantId, messageId })).toBe('retrying')
      expect(hook.requests).toHaveLength(0)
      const refused = await delivery(owner, endpoint.id, messageId)
      expect(refused).toMatchObject({ status: 'pending', attempts: 1, response_status: null, error: expect.stringContaining('loopback address') })
    })

    it('should claim the jobs it is given together in one transaction and record their successes in a few', async () => {
      const owner = await registerTenant(t.app)
      const hook = await answeringTogether(20)
      const endpoint = await createWebhook(owner, hook.url)
      const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => unqueuedMessage(owner, endpoint.id, { n })))
      const { database, watched } = watchedDatabase()
      const dispatcher = dispatcherOver(database)

      const outcomes = await Promise.all(ids.map((messageId) => dispatcher.deliver({ tenantId: owner.tenantId, messageId })))

      expect(outcomes).toEqual(ids.map(() => 'succeeded'))
      expect(new Set(hook.requests.map((r) => r.headers['webhook-id'])).size).toBe(20)
      // One claim, then the answers (all at once) recorded in one to three groups; one by one it would be 40.
      expect(watched.transactions).toBeLessThanOrEqual(4)
      for (const id of ids) {
        expect(await delivery(owner, endpoint.id, id)).toMatchObject({
          status: 'succeeded',
          attempts: 1,
          response_status: 204,
          attempt_log: [expect.objectContaining({ attempt: 1, status: 'succeeded', response_status: 204 })]
        })
      }
    })

    it('should record each success on its own when recording their group fails', async () => {
      const owner = await registerTenant(t.app)
      const hook = await answeringTogether(5)
      const endpoint = await createWebhook(owner, hook.url)
      const ids = await Promise.all(Array.from({ length: 5 }, (_, n) => unqueuedMessage(owner, endpoint.id, { n })))
      let refused = 0
      const { database } = watchedDatabase((text, values) => {
        const group = text.includes('json_to_recordset') && (JSON.parse(String(values?.[1])) as unknown[]).length > 1
        if (group) refused += 1
        return group
      })
      const dispatcher = dispatcherOver(database)

      const outcomes = await Promise.all(ids.map((messageId) => dispatcher.deliver({ tenantId: owner.tenantId, messageId })))

      expect(refused).toBeGreaterThan(0)
      expect(outcomes).toEqual(ids.map(() => 'succeeded'))
      expect(hook.requests).toHaveLength(5)
      for (const id of ids) expect(await delivery(owner, endpoint.id, id)).toMatchObject({ status: 'succeeded', attempt_log: [expect.anything()] })
    })

    it('should cancel a message whose endpoint was disabled by the time it is claimed, without sending it', async () => {
      const owner = await registerTenant(t.app)
      const hook = await receiver([204])
      const endpoint = await createWebhook(owner, hook.url)
      const messageId = await unqueuedMessage(owner, endpoint.id, { late: true })
      await t.app.db.tenant(owner.tenantId, (_tx, raw) => raw.query(`UPDATE webhook_endpoints SET enabled = false WHERE id = $1`, [endpoint.id]))

      expect(await dispatcherOver(t.app.db).deliver({ tenantId: owner.tenantId, messageId })).toBe('cancelled')
      expect(hook.requests).toHaveLength(0)
      expect(await delivery(owner, endpoint.id, messageId)).toMatchObject({ status: 'cancelled', attempts: 0, next_attempt_at: null })
    })
  })
})
