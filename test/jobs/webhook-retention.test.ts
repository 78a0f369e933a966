import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUEUES } from '../../src/jobs/queue.js'
import { pruneWebhookHistory } from '../../src/jobs/webhook-retention.js'
import { insertMessageForEndpoint } from '../../src/modules/webhooks/repository.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../helpers/app.js'
import { waitFor } from '../helpers/wait.js'
import { startReceiver, type Receiver } from '../notifications/helpers/receiver.js'

let t: TestApp
let ok: Receiver
let gone: Receiver
beforeAll(async () => {
  t = await buildTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })
  ok = await startReceiver((res) => res.writeHead(204).end())
  gone = await startReceiver((res) => res.writeHead(410).end('gone'))
})
afterAll(async () => {
  await Promise.all([ok?.close(), gone?.close()])
  await t.close()
})

async function createWebhook(owner: Account, url: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url, events: ['sync.succeeded'] } })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as string
}

async function ping(owner: Account, endpointId: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpointId}/test`, headers: owner.headers })
  expect(res.statusCode, res.body).toBe(202)
  return res.json().id as string
}

async function deliveryIds(owner: Account, endpointId: string): Promise<string[]> {
  const res = await t.app.inject({ url: `/api/v1/webhooks/${endpointId}/deliveries?limit=100`, headers: owner.headers })
  expect(res.statusCode, res.body).toBe(200)
  return (res.json().items as Array<{ id: string }>).map((d) => d.id)
}

function settled(owner: Account, endpointId: string, id: string, status: string) {
  return waitFor(async () => {
    const res = await t.app.inject({ url: `/api/v1/webhooks/${endpointId}/deliveries/${id}`, headers: owner.headers })
    return res.json().status === status
  }, `delivery ${id} to be ${status}`)
}

/** Moves a message (and so its attempts) back in time. */
function age(owner: Account, ids: string[], days: number) {
  return t.app.db.tenant(owner.tenantId, (_tx, raw) =>
    raw.query(`UPDATE webhook_messages SET created_at = now() - make_interval(days => $2), updated_at = now() - make_interval(days => $2) WHERE id = ANY($1::uuid[])`, [ids, days])
  )
}

describe('pruneWebhookHistory', () => {
  it('should be scheduled hourly on the singleton retention queue', async () => {
    const boss = await t.app.boss()
    const schedule = await waitFor(async () => (await boss.getSchedules()).find((s) => s.name === QUEUES.webhookRetention), 'the retention schedule')
    expect(schedule.cron).toBe('17 * * * *')
    expect((await boss.getQueue(QUEUES.webhookRetention))?.policy).toBe('singleton')
  })

  it('should delete finished deliveries older than the retention with their attempts, in batches, and keep recent and unfinished ones', async () => {
    const owner = await registerTenant(t.app)
    const other = await registerTenant(t.app)
    const live = await createWebhook(owner, `${ok.url}/live`)
    const dead = await createWebhook(owner, `${gone.url}/dead`)
    const elsewhere = await createWebhook(other, `${ok.url}/other`)

    const oldDelivered = [await ping(owner, live), await ping(owner, live)]
    const recentDelivered = await ping(owner, live)
    const oldFailed = await ping(owner, dead)
    const otherTenantOld = await ping(other, elsewhere)
    for (const id of [...oldDelivered, recentDelivered]) await settled(owner, live, id, 'succeeded')
    await settled(owner, dead, oldFailed, 'failed')
    await settled(other, elsewhere, otherTenantOld, 'succeeded')
    // Written to the outbox without a delivery job: old, but never finished.
    const oldPending = await t.app.db.tenant(owner.tenantId, (_tx, raw) => insertMessageForEndpoint(raw, owner.tenantId, live, 'webhook.test', {}))
    await age(owner, [...oldDelivered, oldFailed, oldPending], 31)
    await age(other, [otherTenantOld], 31)
    await age(owner, [recentDelivered], 29)

    const deleted = await pruneWebhookHistory(t.app.db, 30, t.app.log, 2)

    expect(deleted).toBe(4)
    expect((await deliveryIds(owner, live)).toSorted()).toEqual([recentDelivered, oldPending].toSorted())
    expect(await deliveryIds(owner, dead)).toEqual([])
    expect(await deliveryIds(other, elsewhere)).toEqual([])
    const pruned = await t.app.inject({ url: `/api/v1/webhooks/${live}/deliveries/${oldDelivered[0]}`, headers: owner.headers })
    expect(pruned.statusCode).toBe(404)
    const attempts = await t.app.db.tenant(owner.tenantId, (_tx, raw) =>
      raw.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_attempts WHERE message_id = ANY($1::uuid[])', [[...oldDelivered, oldFailed]])
    )
    expect(attempts.rows[0]?.n).toBe(0)
    expect(await pruneWebhookHistory(t.app.db, 30, t.app.log)).toBe(0)
  })
})
