import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFakeTelegram, type FakeTelegram } from '../../../src/fake-telegram/server.js'
import { QUEUES } from '../../../src/jobs/queue.js'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { captureLogs } from '../../helpers/logs.js'
import { runSync, tenantWithWildberries } from '../../helpers/sync.js'
import { waitFor } from '../../helpers/wait.js'

const TOKEN = '4242:AAE-valid_token-0123456789'
const REVOKED = '4242:AAE-revoked_token-987654321'
const CHAT = '-1001234567890'

let telegram: FakeTelegram
let t: TestApp
const logs = captureLogs()
beforeAll(async () => {
  telegram = await startFakeTelegram({ tokens: [TOKEN] })
  t = await buildTestApp({ TELEGRAM_API_BASE_URL: telegram.url, LOG_LEVEL: 'debug' }, { logStream: logs.stream })
})
afterAll(async () => {
  await t.close()
  await telegram.close()
})
afterEach(() => {
  telegram.messages.splice(0)
})

const put = (who: Account, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/tenants/me/telegram', headers: who.headers, payload })
const get = (who: Account) => t.app.inject({ url: '/api/v1/tenants/me/telegram', headers: who.headers })

async function channel(who: Account, payload: object = {}) {
  const res = await put(who, { bot_token: TOKEN, chat_id: CHAT, ...payload })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

/** Messages the fake took for the chat, once `count` have arrived. */
const messagesFor = (chatId: string, count: number) =>
  waitFor(() => {
    const texts = telegram.messages.filter((m) => m.chatId === chatId).map((m) => m.text)
    return texts.length >= count && texts
  }, `${count} Telegram messages`)

/** The tenant's Telegram jobs that wait in the queue, with when they are due. */
async function waitingJobs(tenantId: string) {
  const { rows } = await t.app.db.owner.query<{ start_after: Date; data: { tenantId: string; parts: string[] } }>(
    `SELECT start_after, data FROM pgboss.job WHERE name = $1 AND state = 'created' AND data->>'tenantId' = $2`,
    [QUEUES.telegram, tenantId]
  )
  return rows
}

describe('Telegram channel', () => {
  describe('PUT /api/v1/tenants/me/telegram', () => {
    it('should check the token with getMe, store it encrypted and answer with metadata only', async () => {
      const owner = await registerTenant(t.app)
      const res = await put(owner, { bot_token: TOKEN, chat_id: CHAT, quiet_hours: { start: '22:00', end: '08:00', time_zone: 'Europe/Moscow' } })

      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toEqual({
        bot_username: 'fake_4242_bot',
        bot_token_last4: '6789',
        chat_id: CHAT,
        quiet_hours: { start: '22:00', end: '08:00', time_zone: 'Europe/Moscow' },
        enabled: true,
        last_error: null,
        last_error_at: null,
        last_sent_at: null,
        created_at: expect.any(String),
        updated_at: expect.any(String)
      })
      expect(res.body).not.toContain(TOKEN)
      expect((await get(owner)).json()).toEqual(res.json())
      const [row] = await t.app.db.tenant(owner.tenantId, async (_tx, raw) => (await raw.query<{ bot_token_encrypted: string }>('SELECT bot_token_encrypted FROM telegram_settings')).rows)
      expect(row!.bot_token_encrypted).not.toContain(TOKEN)
      expect(t.app.cipher.decrypt(row!.bot_token_encrypted)).toBe(TOKEN)
      expect(logs.text()).not.toContain(TOKEN)
    })

    it('should keep the stored token when the body has none', async () => {
      const owner = await registerTenant(t.app)
      await channel(owner)
      const res = await put(owner, { chat_id: '@stock_alerts', enabled: false })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ bot_username: 'fake_4242_bot', bot_token_last4: '6789', chat_id: '@stock_alerts', quiet_hours: null, enabled: false })
    })

    it('should refuse a token Telegram rejects with 422 and store nothing', async () => {
      const owner = await registerTenant(t.app)
      const res = await put(owner, { bot_token: REVOKED, chat_id: CHAT })
      expect(res.statusCode).toBe(422)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.json().errors).toEqual([{ field: 'bot_token', message: expect.stringContaining('Unauthorized') }])
      expect(res.body).not.toContain(REVOKED)
      expect((await get(owner)).statusCode).toBe(404)
      expect(logs.text()).not.toContain(REVOKED)
    })

    it('should refuse with 503 and store nothing when Telegram cannot check the token', async () => {
      const owner = await registerTenant(t.app)
      telegram.failNext(502, 'Bad Gateway')
      const res = await put(owner, { bot_token: TOKEN, chat_id: CHAT })
      expect(res.statusCode).toBe(503)
      expect(res.json().detail).toMatch(/Telegram could not be reached/)
      expect((await get(owner)).statusCode).toBe(404)
    })

    it.each([
      [{ chat_id: CHAT }],
      [{ bot_token: 'no-colon', chat_id: CHAT }],
      [{ bot_token: TOKEN, chat_id: 'not a chat' }],
      [{ bot_token: TOKEN, chat_id: CHAT, quiet_hours: { start: '25:00', end: '08:00', time_zone: 'UTC' } }],
      [{ bot_token: TOKEN, chat_id: CHAT, quiet_hours: { start: '22:00', end: '08:00', time_zone: 'Mars/Olympus' } }],
      [{ bot_token: TOKEN, chat_id: CHAT, quiet_hours: { start: '22:00', end: '22:00', time_zone: 'UTC' } }],
      [{ bot_token: TOKEN, chat_id: CHAT, tenant_id: 'x' }]
    ])('should refuse %j with 422', async (payload) => {
      const owner = await registerTenant(t.app)
      const res = await put(owner, payload)
      expect(res.statusCode, res.body).toBe(422)
      expect(res.body).not.toContain(TOKEN)
    })

    it('should let owners and admins change the channel, and everyone read it', async () => {
      const owner = await registerTenant(t.app)
      expect((await put(await addMember(t.app, owner, 'admin'), { bot_token: TOKEN, chat_id: CHAT })).statusCode).toBe(200)
      const user = await addMember(t.app, owner, 'user')
      expect((await put(user, { bot_token: TOKEN, chat_id: CHAT })).statusCode).toBe(403)
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/tenants/me/telegram', headers: user.headers })).statusCode).toBe(403)
      expect((await get(await addMember(t.app, owner, 'viewer'))).statusCode).toBe(200)
    })
  })

  describe('DELETE /api/v1/tenants/me/telegram', () => {
    it('should remove the channel, then answer 404, and leave another tenant’s alone', async () => {
      const owner = await registerTenant(t.app)
      const neighbour = await registerTenant(t.app)
      await channel(owner)
      await channel(neighbour)
      const del = () => t.app.inject({ method: 'DELETE', url: '/api/v1/tenants/me/telegram', headers: owner.headers })
      expect((await del()).statusCode).toBe(204)
      expect((await get(owner)).statusCode).toBe(404)
      expect((await del()).statusCode).toBe(404)
      expect((await get(neighbour)).statusCode).toBe(200)
    })
  })

  describe('POST /api/v1/tenants/me/telegram/test', () => {
    it('should send a test message to the chat', async () => {
      const owner = await registerTenant(t.app)
      await channel(owner, { chat_id: '-100777' })
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/tenants/me/telegram/test', headers: owner.headers })
      expect(res.statusCode, res.body).toBe(204)
      expect(await messagesFor('-100777', 1)).toEqual([expect.stringContaining('Stock Tracker')])
      expect((await get(owner)).json().last_sent_at).toEqual(expect.any(String))
    })

    it('should answer 422 and show the error when Telegram refuses the message', async () => {
      const owner = await registerTenant(t.app)
      await channel(owner)
      telegram.failNext(400)
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/tenants/me/telegram/test', headers: owner.headers })
      expect(res.statusCode).toBe(422)
      expect((await get(owner)).json().last_error).toBe('Telegram sendMessage failed: Bad Request: chat not found')
    })
  })

  describe('alerts of a sync', () => {
    it('should arrive as one message per sync listing the products, out of stock first', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 4, stockOverrides: { 0: 3, 1: 0, 2: 50, 3: 1 } })
      await channel(owner, { chat_id: '-100201' })
      await runSync(t, owner)

      const [text] = await messagesFor('-100201', 1)
      const names = (await t.app.inject({ url: '/api/v1/alerts', headers: owner.headers })).json().items.map((a: { name: string }) => a.name)
      expect(names).toHaveLength(3)
      expect(text).toMatch(/^Stock alert: 1 out of stock, 2 running low\n\nOut of stock:\n/)
      const order = names.map((name: string) => text!.indexOf(name))
      expect(order.every((at: number) => at > 0)).toBe(true)
      expect(order).toEqual([...order].sort((a, b) => a - b))
      expect(text).not.toContain(TOKEN)

      await runSync(t, owner)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(telegram.messages.filter((m) => m.chatId === '-100201')).toHaveLength(1)
      expect((await get(owner)).json().last_sent_at).toEqual(expect.any(String))
    })

    it('should retry after the retry_after of a 429, sending the message once', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 1, stockOverrides: { 0: 0 } })
      await channel(owner, { chat_id: '-100429' })
      telegram.failNext(429)
      await runSync(t, owner)

      expect(await messagesFor('-100429', 1)).toHaveLength(1)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect(telegram.messages.filter((m) => m.chatId === '-100429')).toHaveLength(1)
    })

    it('should send the parts of a long batch in order, never again one Telegram took', async () => {
      const owner = await registerTenant(t.app)
      await channel(owner, { chat_id: '-100303' })
      // Telegram takes part one (an answer of the fake's that it does not record), then refuses part two once.
      telegram.failNext(200, { ok: true, result: { message_id: 1 } })
      telegram.failNext(429)
      await (await t.app.boss()).send(QUEUES.telegram, { tenantId: owner.tenantId, parts: ['part one', 'part two', 'part three'], attempt: 0 })

      expect(await messagesFor('-100303', 2)).toEqual(['part two', 'part three'])
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect(telegram.messages.map((m) => m.text)).toEqual(['part two', 'part three'])
    })

    it('should hold the alerts during quiet hours until they end', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 1, stockOverrides: { 0: 0 } })
      const now = new Date()
      const clock = (offsetMinutes: number) => new Date(now.getTime() + offsetMinutes * 60_000).toISOString().slice(11, 16)
      await channel(owner, { chat_id: '-100999', quiet_hours: { start: clock(-1), end: clock(3), time_zone: 'UTC' } })
      await runSync(t, owner)

      const [held] = await waitFor(async () => {
        const jobs = await waitingJobs(owner.tenantId)
        return jobs.length === 1 && jobs[0]!.start_after.getTime() > Date.now() + 60_000 && jobs
      }, 'the alerts to be held')
      expect(held!.start_after.toISOString().slice(11, 16)).toBe(clock(3))
      expect(telegram.messages.filter((m) => m.chatId === '-100999')).toEqual([])

      // The end of the quiet hours, brought forward: the held message goes out then.
      await put(owner, { chat_id: '-100999' })
      await t.app.db.owner.query(`UPDATE pgboss.job SET start_after = now() WHERE name = $1 AND data->>'tenantId' = $2 AND state = 'created'`, [QUEUES.telegram, owner.tenantId])
      expect(await messagesFor('-100999', 1)).toEqual([expect.stringContaining('1 out of stock')])
    })

    it('should send nothing when the channel is disabled', async () => {
      const { owner } = await tenantWithWildberries(t, { products: 1, stockOverrides: { 0: 0 } })
      await channel(owner, { chat_id: '-100000', enabled: false })
      await runSync(t, owner)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(telegram.messages.filter((m) => m.chatId === '-100000')).toEqual([])
      expect(await waitingJobs(owner.tenantId)).toEqual([])
    })
  })
})
